//! Not yet implemented.

use std::path::Path;

use crate::{Entry, Error};

pub(crate) fn parse(path: &Path, _text: &str) -> Result<Vec<Entry>, Error> {
    Err(Error::invalid(path, 0, "(file)", "this format is not implemented yet"))
}
