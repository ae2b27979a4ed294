//! Nothing to check syntactically: whether the type is `Clone` is only known
//! to the compiler, so the expansion asks it with a bound whose diagnostic
//! names the fix (see `expand`).

use super::parse::EventType;
use crate::errors::Errors;

pub(crate) fn validate(_event: &EventType<'_>, _errors: &mut Errors) {}
