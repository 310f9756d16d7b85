//! `calaudit rules …`: help with classification rules. `rules suggest` lists the titles no
//! rule decided, by minutes, each with a rule to paste.

use std::process::ExitCode;

use anyhow::Result;

use super::invocation::{Invocation, WindowDefault};
use super::output::print_out;
use crate::cli::{RulesCommand, SuggestArgs};
use crate::report::suggest;

pub fn run(action: RulesCommand) -> Result<ExitCode> {
    match action {
        RulesCommand::Suggest(args) => run_suggest(args),
    }
}

fn run_suggest(args: SuggestArgs) -> Result<ExitCode> {
    let inv = Invocation::load(&args.common, WindowDefault::RecentWeeks)?;
    let a = inv.analyze()?;
    let list = suggest::suggest(&a, args.limit);
    let out = if args.json {
        let mut text = serde_json::to_string_pretty(&list)?;
        text.push('\n');
        text
    } else {
        suggest::suggest_table(&list)
    };
    print_out(&out)?;
    Ok(ExitCode::SUCCESS)
}
