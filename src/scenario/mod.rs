//! Reading scenario files: text → [`node::Node`] tree with spans → checked [`crate::model::Scenario`],
//! with every problem reported at once as a [`diag::Diagnostic`].

pub mod diag;
pub mod node;
pub mod rules;
