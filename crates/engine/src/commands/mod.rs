//! The commands that classify one way on their own (`custseg cluster`, `custseg clv ...`), built
//! on the pipeline's input stage: the stages they call know nothing of them.

pub mod basket;
pub mod cluster;
pub mod clv;
