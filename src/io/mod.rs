//! Reading and writing the JSON Lines format (DESIGN §2).
