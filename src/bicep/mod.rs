//! A typed Bicep syntax tree and its one printer. All Bicep text platc writes comes from here, so
//! quoting, escaping and layout are decided in one place.

mod print;
pub mod syntax;

pub use print::{print, print_items, print_items_into};
pub use syntax::*;
