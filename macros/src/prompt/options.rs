//! The `#[prompt(...)]` options: the common ones.

use crate::item::{parse_options, CommonOptions, ItemOptions};
use proc_macro2::TokenStream;

#[derive(Default)]
pub(super) struct PromptOptions {
    pub common: CommonOptions,
}

impl ItemOptions for PromptOptions {
    const ATTRIBUTE: &'static str = "prompt";

    fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut common = CommonOptions::default();
        parse_options(
            attr,
            Self::ATTRIBUTE,
            "name, title, description, disabled, blocking, scopes, crate",
            &mut common,
            |_| Ok(false),
        )?;
        Ok(PromptOptions { common })
    }

    fn common(&self) -> &CommonOptions {
        &self.common
    }
}
