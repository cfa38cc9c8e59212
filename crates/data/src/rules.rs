//! User rules: SQL boolean expressions over the customer table (`monetary >= 100000 AND
//! tenure_days > 730`), parsed and type-checked by DataFusion and evaluated on the customers'
//! record batch. Only expressions are accepted: a statement, a subquery or trailing text is an
//! error, so a rule can read the customer's columns and nothing else.

use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::DFSchema;
use datafusion::common::tree_node::TreeNode;
use datafusion::execution::context::SessionContext;
use datafusion::logical_expr::{Expr, ExprSchemable};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::sql::sqlparser::ast::{self as sql_ast, visit_expressions};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::sqlparser::tokenizer::Token;
use rayon::prelude::*;
use thiserror::Error;

use crate::sink::Kind;

/// Why a rule cannot be used.
#[derive(Debug, Error, PartialEq)]
pub enum RuleError {
    /// Not valid SQL expression syntax.
    #[error("rule `{sql}`: {message}")]
    Syntax { sql: String, message: String },
    /// A statement, subquery or trailing text instead of one expression.
    #[error(
        "rule `{sql}`: {what} is not allowed in a rule\nhint: write one condition over the customer columns, e.g. `monetary >= 1000 AND frequency > 3`"
    )]
    NotExpression { sql: String, what: String },
    /// A column that the customer table does not have.
    #[error("rule `{sql}`: {message}\navailable columns: {columns}")]
    Column { sql: String, message: String, columns: String },
    /// Not a true/false condition.
    #[error("rule `{sql}` gives {found}, not true/false\nhint: compare it, e.g. `{sql} > 0`")]
    NotBoolean { sql: String, found: String },
    /// Evaluation failed (e.g. a cast of a text value).
    #[error("rule `{sql}`: {message}")]
    Eval { sql: String, message: String },
    /// Too long or too deeply nested to evaluate safely.
    #[error("rule `{sql}`: {message}\nhint: split it into several rules, or a scheme with more classes")]
    TooLarge { sql: String, message: String },
    /// A function that is not on the rules' list (it breaks determinism or can exhaust memory).
    #[error("rule `{sql}`: the function `{name}` is not allowed in a rule ({why})\nallowed functions: {allowed}")]
    Function { sql: String, name: String, why: &'static str, allowed: String },
}

/// Longest rule text.
pub const MAX_RULE_CHARS: usize = 4096;
/// Most tokens in a rule.
pub const MAX_RULE_TOKENS: usize = 1000;
/// Most operators (`AND`, `OR`, `+`, `<` ...) in a rule: each is a level of the expression tree,
/// which is walked recursively when it is planned and evaluated (a 3,000-term `AND` chain
/// overflowed the stack).
pub const MAX_RULE_OPERATORS: usize = 200;
/// Deepest nesting of parentheses in a rule.
pub const MAX_RULE_NESTING: usize = 32;

/// The functions a rule may call: deterministic, and with output no larger than their input
/// (no `random()`, `now()`, `uuid()`, which change from run to run; no `repeat()` or `lpad()`,
/// which can ask for gigabytes).
pub const ALLOWED_FUNCTIONS: &[&str] = &[
    "abs",
    "ceil",
    "floor",
    "round",
    "trunc",
    "sqrt",
    "cbrt",
    "ln",
    "log",
    "log10",
    "log2",
    "exp",
    "power",
    "pow",
    "signum",
    "greatest",
    "least",
    "coalesce",
    "nullif",
    "nvl",
    "ifnull",
    "isnan",
    "iszero",
    "lower",
    "upper",
    "trim",
    "btrim",
    "ltrim",
    "rtrim",
    "length",
    "char_length",
    "character_length",
    "octet_length",
    "substr",
    "substring",
    "left",
    "right",
    "starts_with",
    "ends_with",
    "strpos",
    "instr",
    "position",
    "split_part",
    "initcap",
    "reverse",
    "concat",
    "concat_ws",
    "date_part",
    "date_trunc",
    "extract",
    "make_date",
];

/// Checks the size bounds of a rule on its tokens, before it is parsed.
fn check_size(sql: &str) -> Result<(), RuleError> {
    use datafusion::sql::sqlparser::tokenizer::Tokenizer;
    let too_large = |message: String| RuleError::TooLarge { sql: cut(sql), message };
    if sql.chars().count() > MAX_RULE_CHARS {
        return Err(too_large(format!("{} characters, at most {MAX_RULE_CHARS} allowed", sql.chars().count())));
    }
    let tokens = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize()
        .map_err(|e| RuleError::Syntax { sql: cut(sql), message: e.to_string() })?;
    let tokens: Vec<&Token> = tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_))).collect();
    if tokens.len() > MAX_RULE_TOKENS {
        return Err(too_large(format!("{} tokens, at most {MAX_RULE_TOKENS} allowed", tokens.len())));
    }
    let (mut depth, mut deepest, mut operators) = (0usize, 0usize, 0usize);
    for t in &tokens {
        match t {
            Token::LParen => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            Token::RParen => depth = depth.saturating_sub(1),
            Token::Word(w) if ["AND", "OR", "NOT"].contains(&w.value.to_ascii_uppercase().as_str()) => operators += 1,
            Token::Plus
            | Token::Minus
            | Token::Mul
            | Token::Div
            | Token::Mod
            | Token::Eq
            | Token::Neq
            | Token::Lt
            | Token::Gt
            | Token::LtEq
            | Token::GtEq
            | Token::StringConcat => operators += 1,
            _ => {}
        }
    }
    if deepest > MAX_RULE_NESTING {
        return Err(too_large(format!("parentheses nested {deepest} deep, at most {MAX_RULE_NESTING} allowed")));
    }
    if operators > MAX_RULE_OPERATORS {
        return Err(too_large(format!("{operators} operators, at most {MAX_RULE_OPERATORS} allowed")));
    }
    Ok(())
}

/// A rule's text for a message: at most 200 characters.
fn cut(sql: &str) -> String {
    if sql.chars().count() <= 200 {
        return sql.to_string();
    }
    let head: String = sql.chars().take(200).collect();
    format!("{head}...")
}

/// Checks that `sql` is one SQL expression without subqueries (no schema needed: run when the
/// configuration loads).
///
/// # Errors
/// [`RuleError::Syntax`] or [`RuleError::NotExpression`].
pub fn check_syntax(sql: &str) -> Result<(), RuleError> {
    check_size(sql)?;
    let dialect = GenericDialect {};
    let syntax = |e: &dyn std::fmt::Display| RuleError::Syntax { sql: sql.to_string(), message: e.to_string() };
    let mut parser = Parser::new(&dialect).try_with_sql(sql).map_err(|e| syntax(&e))?;
    let expr = parser.parse_expr().map_err(|e| syntax(&e))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(RuleError::NotExpression {
            sql: sql.to_string(),
            what: format!("text after the expression (`{next}`)"),
        });
    }
    let mut bad: Option<&'static str> = None;
    let _ = visit_expressions(&expr, |e| {
        if matches!(e, sql_ast::Expr::Subquery(_) | sql_ast::Expr::Exists { .. } | sql_ast::Expr::InSubquery { .. }) {
            bad = Some("a subquery");
            return std::ops::ControlFlow::Break(());
        }
        std::ops::ControlFlow::Continue(())
    });
    match bad {
        Some(what) => Err(RuleError::NotExpression { sql: sql.to_string(), what: what.to_string() }),
        None => Ok(()),
    }
}

/// The DataFusion session rules are parsed and planned with (function registry, type coercion).
#[derive(Default)]
pub struct RuleContext {
    ctx: SessionContext,
}

impl std::fmt::Debug for RuleContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RuleContext")
    }
}

/// Compiled rules kept for reuse: a service classifying one customer at a time would otherwise
/// plan every rule (and build a DataFusion session) per customer. A rule is reused while the
/// columns it was compiled against are the same.
#[derive(Debug, Default)]
pub struct RuleCache {
    rc: RuleContext,
    compiled: std::sync::Mutex<std::collections::HashMap<String, (SchemaRef, Rule)>>,
}

impl RuleCache {
    /// [`compile`], or the rule compiled before against the same columns.
    ///
    /// # Errors
    /// As [`compile`].
    pub fn compile(&self, schema: &SchemaRef, sql: &str) -> Result<Rule, RuleError> {
        let lock = || self.compiled.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((s, rule)) = lock().get(sql)
            && (Arc::ptr_eq(s, schema) || s == schema)
        {
            return Ok(rule.clone());
        }
        let rule = compile(&self.rc, schema, sql)?;
        lock().insert(sql.to_string(), (schema.clone(), rule.clone()));
        Ok(rule)
    }
}

/// A rule ready to evaluate.
#[derive(Debug, Clone)]
pub struct Rule {
    /// The SQL text.
    pub sql: String,
    expr: Arc<dyn PhysicalExpr>,
}

/// Parses and type-checks `sql` against `schema`: it must be a boolean expression over its
/// columns.
///
/// # Errors
/// [`RuleError`] naming the rule, with the available columns for an unknown one.
pub fn compile(rc: &RuleContext, schema: &SchemaRef, sql: &str) -> Result<Rule, RuleError> {
    let ctx = &rc.ctx;
    check_syntax(sql)?;
    let df_schema = DFSchema::try_from(schema.as_ref().clone())
        .map_err(|e| RuleError::Eval { sql: sql.to_string(), message: e.to_string() })?;
    let columns = || schema.fields().iter().map(|f| f.name().as_str()).collect::<Vec<_>>().join(", ");
    let expr = ctx.parse_sql_expr(sql, &df_schema).map_err(|e| {
        let message = first_line(&e.to_string());
        if message.contains("field") || message.contains("column") {
            RuleError::Column { sql: sql.to_string(), message, columns: columns() }
        } else {
            RuleError::Syntax { sql: sql.to_string(), message }
        }
    })?;
    let subquery = expr
        .exists(|e| Ok(matches!(e, Expr::ScalarSubquery(_) | Expr::Exists(_) | Expr::InSubquery(_))))
        .unwrap_or(true);
    if subquery {
        return Err(RuleError::NotExpression { sql: sql.to_string(), what: "a subquery".into() });
    }
    check_functions(sql, &expr)?;
    let found = expr
        .get_type(&df_schema)
        .map_err(|e| RuleError::Eval { sql: sql.to_string(), message: first_line(&e.to_string()) })?;
    if found != DataType::Boolean && found != DataType::Null {
        return Err(RuleError::NotBoolean { sql: sql.to_string(), found: found.to_string() });
    }
    let expr = ctx
        .create_physical_expr(expr, &df_schema)
        .map_err(|e| RuleError::Eval { sql: sql.to_string(), message: first_line(&e.to_string()) })?;
    Ok(Rule { sql: sql.to_string(), expr: checked_arithmetic(expr) })
}

/// Refuses calls outside [`ALLOWED_FUNCTIONS`] and aggregate or window functions.
fn check_functions(sql: &str, expr: &Expr) -> Result<(), RuleError> {
    let mut refused: Option<(String, &'static str)> = None;
    let _ = expr.apply(|e| {
        let found = match e {
            Expr::ScalarFunction(f) if !ALLOWED_FUNCTIONS.contains(&f.name()) => {
                let why = match f.func.signature().volatility {
                    datafusion::logical_expr::Volatility::Immutable => "it can make values far larger than its input",
                    _ => "its value changes from run to run, and a class must not",
                };
                Some((f.name().to_string(), why))
            }
            Expr::AggregateFunction(f) => Some((f.func.name().to_string(), "a rule sees one customer at a time")),
            Expr::WindowFunction(f) => Some((f.fun.name().to_string(), "a rule sees one customer at a time")),
            _ => None,
        };
        refused = found;
        Ok(if refused.is_some() {
            datafusion::common::tree_node::TreeNodeRecursion::Stop
        } else {
            datafusion::common::tree_node::TreeNodeRecursion::Continue
        })
    });
    match refused {
        Some((name, why)) => {
            Err(RuleError::Function { sql: cut(sql), name, why, allowed: ALLOWED_FUNCTIONS.join(", ") })
        }
        None => Ok(()),
    }
}

/// The expression with integer `+`, `-` and `*` checked: an overflow is an evaluation error
/// instead of a wrapped value (DataFusion wraps by default).
fn checked_arithmetic(expr: Arc<dyn PhysicalExpr>) -> Arc<dyn PhysicalExpr> {
    use datafusion::common::tree_node::Transformed;
    use datafusion::physical_expr::expressions::BinaryExpr;
    let rewritten = expr.clone().transform_up(|e| {
        Ok(match e.downcast_ref::<BinaryExpr>() {
            Some(b) => Transformed::yes(Arc::new(
                BinaryExpr::new(b.left().clone(), *b.op(), b.right().clone()).with_fail_on_overflow(true),
            ) as Arc<dyn PhysicalExpr>),
            None => Transformed::no(e),
        })
    });
    rewritten.map(|t| t.data).unwrap_or(expr)
}

/// Parses and type-checks `sql` against a table that has these columns, before there is any
/// data (the same checks as [`compile`]).
///
/// # Errors
/// [`RuleError`] naming the rule, with the available columns for an unknown one.
pub fn check_against(rc: &RuleContext, columns: &[(String, Kind)], sql: &str) -> Result<(), RuleError> {
    use datafusion::arrow::datatypes::{Field, Schema};
    let fields: Vec<Field> = columns.iter().map(|(n, k)| Field::new(n, k.data_type(), true)).collect();
    compile(rc, &Arc::new(Schema::new(fields)), sql).map(|_| ())
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or("").trim().to_string()
}

/// For every row of `batch`, the index of the first rule that is true (NULL counts as false),
/// `None` when none is. Rules after the last row's first match are not evaluated.
///
/// # Errors
/// [`RuleError::Eval`] when a rule cannot be evaluated on the data.
pub fn first_match(batch: &RecordBatch, rules: &[Rule]) -> Result<Vec<Option<u16>>, RuleError> {
    // slices of the batch on every core: a rule's value at a row depends on that row alone
    let n = batch.num_rows();
    if n <= RULE_CHUNK {
        return first_match_rows(batch, rules);
    }
    let chunks: Vec<Result<Vec<Option<u16>>, RuleError>> = (0..n.div_ceil(RULE_CHUNK))
        .into_par_iter()
        .map(|c| {
            let start = c * RULE_CHUNK;
            first_match_rows(&batch.slice(start, RULE_CHUNK.min(n - start)), rules)
        })
        .collect();
    // the first slice's error, whichever core met an error first
    let mut out = Vec::with_capacity(n);
    for c in chunks {
        out.extend(c?);
    }
    Ok(out)
}

/// Rows per slice in [`first_match`].
const RULE_CHUNK: usize = 1 << 16;

fn first_match_rows(batch: &RecordBatch, rules: &[Rule]) -> Result<Vec<Option<u16>>, RuleError> {
    let n = batch.num_rows();
    let mut out: Vec<Option<u16>> = vec![None; n];
    for (k, rule) in rules.iter().enumerate() {
        let eval =
            |e: &dyn std::fmt::Display| RuleError::Eval { sql: rule.sql.clone(), message: first_line(&e.to_string()) };
        // a panic inside an expression kernel is this rule's error, not the process's end
        let value = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rule.expr.evaluate(batch)))
            .map_err(|_| eval(&"the expression failed on the data"))?
            .map_err(|e| eval(&e))?;
        let array = value.into_array(n).map_err(|e| eval(&e))?;
        if array.data_type() == &DataType::Null {
            continue;
        }
        let Some(b) = array.as_boolean_opt() else {
            return Err(eval(&format!("gives {}, not true/false", array.data_type())));
        };
        let mut open = 0;
        for (i, slot) in out.iter_mut().enumerate() {
            if slot.is_none() && b.is_valid(i) && b.value(i) {
                *slot = Some(k as u16);
            }
            open += usize::from(slot.is_none());
        }
        // once every row has its first match, the later rules cannot change any
        if open == 0 {
            break;
        }
    }
    Ok(out)
}

/// `batch` with the named text columns turned into numbers where every non-empty value parses
/// as one (master-file attributes such as `employees` or `age` arrive as text), so rules can
/// compare them with numbers. Columns with any other text stay text.
///
/// # Errors
/// [`RuleError::Eval`] if the batch cannot be rebuilt.
pub fn numeric_text_columns(batch: &RecordBatch, names: &[String]) -> Result<RecordBatch, RuleError> {
    use datafusion::arrow::array::{ArrayRef, Float64Array};
    use datafusion::arrow::datatypes::{Field, Schema};
    let schema = batch.schema();
    let mut fields: Vec<Field> = Vec::with_capacity(schema.fields().len());
    let mut columns: Vec<ArrayRef> = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let converted = match column.as_string_opt::<i32>() {
            Some(text) if names.contains(field.name()) => {
                let parsed: Option<Vec<Option<f64>>> = text.iter().map(number_or_empty).collect();
                parsed.map(|p| Arc::new(Float64Array::from(p)) as ArrayRef)
            }
            _ => None,
        };
        match converted {
            Some(c) => {
                fields.push(Field::new(field.name(), DataType::Float64, true));
                columns.push(c);
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
        .map_err(|e| RuleError::Eval { sql: String::new(), message: e.to_string() })
}

/// `Some(None)` for an empty value, `Some(Some(x))` for a finite number, `None` for other text.
fn number_or_empty(v: Option<&str>) -> Option<Option<f64>> {
    match v.map(str::trim) {
        None | Some("") => Some(None),
        Some(s) => s.parse::<f64>().ok().filter(|x| x.is_finite()).map(Some),
    }
}

/// Whether a text column of these values compares as numbers in a rule (every non-empty value
/// is a finite number), the test [`numeric_text_columns`] applies.
pub fn is_numeric_text<'a>(values: impl IntoIterator<Item = Option<&'a str>>) -> bool {
    values.into_iter().all(|v| number_or_empty(v).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Schema};

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("monetary", DataType::Float64, true),
            Field::new("frequency", DataType::Int64, true),
            Field::new("industry", DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Float64Array::from(vec![Some(5000.0), Some(50.0), None, Some(800.0)])),
                Arc::new(Int64Array::from(vec![Some(10), Some(1), Some(0), Some(4)])),
                Arc::new(StringArray::from(vec![Some("retail"), Some("software"), None, Some("retail")])),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn first_true_rule_wins_and_null_is_false() {
        let ctx = RuleContext::default();
        let b = batch();
        let rules: Vec<Rule> = ["monetary >= 1000", "frequency >= 4 AND industry = 'retail'", "monetary < 100"]
            .iter()
            .map(|s| compile(&ctx, &b.schema(), s).unwrap_or_else(|e| panic!("{e}")))
            .collect();
        // row 3: monetary 800 fails the first, matches the second; row 2: NULL monetary matches none
        assert_eq!(first_match(&b, &rules).unwrap_or_else(|e| panic!("{e}")), vec![Some(0), Some(2), None, Some(1)]);
    }

    #[test]
    fn each_kind_of_bad_rule_has_its_error() {
        let ctx = RuleContext::default();
        let s = batch().schema();
        assert!(matches!(compile(&ctx, &s, "monetary >="), Err(RuleError::Syntax { .. })));
        assert!(matches!(compile(&ctx, &s, "monetary > 1; DROP TABLE x"), Err(RuleError::NotExpression { .. })));
        assert!(matches!(
            compile(&ctx, &s, "frequency IN (SELECT 1)"),
            Err(RuleError::NotExpression { what, .. }) if what == "a subquery"
        ));
        assert!(matches!(compile(&ctx, &s, "EXISTS (SELECT 1)"), Err(RuleError::NotExpression { .. })));
        let err = compile(&ctx, &s, "monetry > 10").err();
        assert!(
            matches!(&err, Some(RuleError::Column { columns, .. }) if columns == "monetary, frequency, industry"),
            "{err:?}"
        );
        assert!(
            matches!(compile(&ctx, &s, "monetary * 2"), Err(RuleError::NotBoolean { found, .. }) if found == "Float64")
        );
        assert!(check_syntax("a > 1 AND b < 2").is_ok());
        assert!(check_syntax("SELECT 1").is_err());
    }

    #[test]
    fn rules_that_could_crash_or_vary_are_refused_at_load() {
        let ctx = RuleContext::default();
        let s = batch().schema();
        // a 3,000-term AND chain overflowed the stack
        let chain = vec!["frequency > 1"; 3000].join(" AND ");
        assert!(matches!(compile(&ctx, &s, &chain), Err(RuleError::TooLarge { .. })));
        let terms = vec!["frequency > 1"; 150].join(" AND ");
        assert!(
            matches!(compile(&ctx, &s, &terms), Err(RuleError::TooLarge { message, .. }) if message.contains("operators"))
        );
        let nested = format!("{}frequency > 1{}", "(".repeat(40), ")".repeat(40));
        assert!(matches!(compile(&ctx, &s, &nested), Err(RuleError::TooLarge { .. })));
        assert!(compile(&ctx, &s, &vec!["frequency > 1"; 20].join(" AND ")).is_ok());
        for (rule, name) in [
            ("length(repeat(industry, 200000000)) > 0", "repeat"),
            ("random() < 0.5", "random"),
            ("now() > now()", "now"),
            ("uuid() = 'x'", "uuid"),
            ("lpad(industry, 1000000000, 'x') = 'x'", "lpad"),
        ] {
            let err = compile(&ctx, &s, rule);
            assert!(matches!(&err, Err(RuleError::Function { name: n, .. }) if n == name), "{rule}: {err:?}");
        }
        assert!(compile(&ctx, &s, "lower(industry) = 'retail' AND round(monetary) > 1").is_ok());
    }

    #[test]
    fn integer_overflow_is_an_error_not_a_wrapped_value() {
        let ctx = RuleContext::default();
        let b = batch();
        let rule = compile(&ctx, &b.schema(), "frequency * 9223372036854775807 > 0").unwrap_or_else(|e| panic!("{e}"));
        let err = first_match(&b, &[rule]);
        assert!(matches!(&err, Err(RuleError::Eval { message, .. }) if message.contains("verflow")), "{err:?}");
    }
}
