//! Search index for the theme's search box. (Being implemented; see issue 8.)

use crate::pipeline::render::{RenderedFile, Renderer};

/// Writes the search index files.
pub fn generate(_r: &Renderer<'_>) -> Result<Vec<RenderedFile>, crate::error::Diagnostic> {
    Ok(Vec::new())
}
