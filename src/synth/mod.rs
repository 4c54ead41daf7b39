//! The synthetic town square.
