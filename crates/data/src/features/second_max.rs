//! `second_max(x)`: the largest value below the group's maximum (NULL when the group has fewer
//! than two distinct non-null values), a DataFusion aggregate over `Int32` (days).
//!
//! Why our own: the customer aggregation needs each customer's purchase day before the last
//! (for `last_gap_days`). Without this function that took a join of the day table with its own
//! per-customer aggregate, then a second aggregation and a second join; with it, one GROUP BY
//! computes every customer column. A group keeps only its two largest distinct values, so the
//! result does not depend on the order rows arrive in or on how partial states are merged.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, Int32Array};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Int32Type};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{
    Accumulator, AggregateUDF, AggregateUDFImpl, EmitTo, GroupsAccumulator, Signature, Volatility,
};

/// The aggregate, ready to register (`SessionContext::register_udaf`).
pub(crate) fn udaf() -> AggregateUDF {
    AggregateUDF::from(SecondMax { signature: Signature::exact(vec![DataType::Int32], Volatility::Immutable) })
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct SecondMax {
    signature: Signature,
}

impl AggregateUDFImpl for SecondMax {
    fn name(&self) -> &str {
        "second_max"
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _: &[DataType]) -> Result<DataType> {
        Ok(DataType::Int32)
    }

    fn accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<Top2>::default())
    }

    fn state_fields(&self, args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![
            Arc::new(Field::new(format!("{}[max]", args.name), DataType::Int32, true)),
            Arc::new(Field::new(format!("{}[second]", args.name), DataType::Int32, true)),
        ])
    }

    fn groups_accumulator_supported(&self, _: AccumulatorArgs) -> bool {
        true
    }

    fn create_groups_accumulator(&self, _: AccumulatorArgs) -> Result<Box<dyn GroupsAccumulator>> {
        Ok(Box::<Top2Groups>::default())
    }
}

/// The two largest distinct values seen: `max > second` when both are set.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Top2 {
    max: Option<i32>,
    second: Option<i32>,
}

impl Top2 {
    fn push(&mut self, v: i32) {
        match self.max {
            None => self.max = Some(v),
            Some(m) if v > m => {
                self.second = Some(m);
                self.max = Some(v);
            }
            Some(m) if v < m && self.second.is_none_or(|s| v > s) => self.second = Some(v),
            Some(_) => {}
        }
    }

    fn push_opt(&mut self, v: Option<i32>) {
        if let Some(v) = v {
            self.push(v);
        }
    }
}

/// `values[k]` as `Int32` values (nulls as `None`).
fn ints(values: &[ArrayRef], k: usize) -> impl Fn(usize) -> Option<i32> + '_ {
    let a = values[k].as_primitive::<Int32Type>();
    move |i| a.is_valid(i).then(|| a.value(i))
}

impl Accumulator for Top2 {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let v = ints(values, 0);
        for i in 0..values[0].len() {
            self.push_opt(v(i));
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(ScalarValue::Int32(self.second))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Int32(self.max), ScalarValue::Int32(self.second)])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (max, second) = (ints(states, 0), ints(states, 1));
        for i in 0..states[0].len() {
            self.push_opt(max(i));
            self.push_opt(second(i));
        }
        Ok(())
    }
}

/// [`Top2`] per group, for DataFusion's vectorised grouping.
#[derive(Debug, Default)]
struct Top2Groups {
    groups: Vec<Top2>,
}

impl GroupsAccumulator for Top2Groups {
    fn update_batch(
        &mut self,
        values: &[ArrayRef],
        group_indices: &[usize],
        opt_filter: Option<&BooleanArray>,
        total_num_groups: usize,
    ) -> Result<()> {
        self.groups.resize(total_num_groups, Top2::default());
        let v = ints(values, 0);
        for (i, &g) in group_indices.iter().enumerate() {
            // a row passes a FILTER clause only where the filter is true (not false, not null)
            if opt_filter.is_some_and(|f| !(f.is_valid(i) && f.value(i))) {
                continue;
            }
            self.groups[g].push_opt(v(i));
        }
        Ok(())
    }

    fn evaluate(&mut self, emit_to: EmitTo) -> Result<ArrayRef> {
        let taken = emit_to.take_needed(&mut self.groups);
        Ok(Arc::new(taken.iter().map(|t| t.second).collect::<Int32Array>()))
    }

    fn state(&mut self, emit_to: EmitTo) -> Result<Vec<ArrayRef>> {
        let taken = emit_to.take_needed(&mut self.groups);
        Ok(vec![
            Arc::new(taken.iter().map(|t| t.max).collect::<Int32Array>()),
            Arc::new(taken.iter().map(|t| t.second).collect::<Int32Array>()),
        ])
    }

    fn merge_batch(&mut self, values: &[ArrayRef], group_indices: &[usize], total_num_groups: usize) -> Result<()> {
        self.groups.resize(total_num_groups, Top2::default());
        let (max, second) = (ints(values, 0), ints(values, 1));
        for (i, &g) in group_indices.iter().enumerate() {
            self.groups[g].push_opt(max(i));
            self.groups[g].push_opt(second(i));
        }
        Ok(())
    }

    fn convert_to_state(&self, values: &[ArrayRef], opt_filter: Option<&BooleanArray>) -> Result<Vec<ArrayRef>> {
        // each row its own group: its value (if it passes the filter) as the maximum
        let v = ints(values, 0);
        let max: Int32Array = (0..values[0].len())
            .map(|i| v(i).filter(|_| opt_filter.is_none_or(|f| f.is_valid(i) && f.value(i))))
            .collect();
        Ok(vec![Arc::new(max), Arc::new(Int32Array::new_null(values[0].len()))])
    }

    fn size(&self) -> usize {
        self.groups.capacity() * std::mem::size_of::<Top2>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn top2(values: &[i32]) -> Top2 {
        let mut t = Top2::default();
        values.iter().for_each(|&v| t.push(v));
        t
    }

    #[test]
    fn keeps_the_two_largest_distinct_values_in_any_order() {
        assert_eq!(top2(&[]), Top2 { max: None, second: None });
        assert_eq!(top2(&[5]), Top2 { max: Some(5), second: None });
        assert_eq!(top2(&[5, 5, 5]), Top2 { max: Some(5), second: None });
        for order in [[1, 9, 4, 9, 7], [9, 9, 7, 4, 1], [1, 4, 7, 9, 9], [7, 1, 9, 4, 7]] {
            assert_eq!(top2(&order), Top2 { max: Some(9), second: Some(7) }, "{order:?}");
        }
        assert_eq!(top2(&[-3, i32::MIN, -3]), Top2 { max: Some(-3), second: Some(i32::MIN) });
    }

    #[test]
    fn merged_states_equal_one_pass() {
        // groups 0 and 1 split over two accumulators, then merged through their states
        let (a, b) = ([3, 8, 8, 1], [6, 2, 8]);
        let mut left = Top2Groups::default();
        let mut right = Top2Groups::default();
        let col = |v: &[i32]| -> Vec<ArrayRef> { vec![Arc::new(Int32Array::from(v.to_vec()))] };
        let (ga, gb) = ([0, 0, 1, 1], [0, 1, 1]);
        left.update_batch(&col(&a), &ga, None, 2).unwrap_or_else(|e| panic!("{e}"));
        right.update_batch(&col(&b), &gb, None, 2).unwrap_or_else(|e| panic!("{e}"));
        let state = right.state(EmitTo::All).unwrap_or_else(|e| panic!("{e}"));
        left.merge_batch(&state, &[0, 1], 2).unwrap_or_else(|e| panic!("{e}"));
        let out = left.evaluate(EmitTo::All).unwrap_or_else(|e| panic!("{e}"));
        // group 0: {3, 8, 6} -> 6; group 1: {8, 1, 2, 8} -> 2
        assert_eq!(out.as_primitive::<Int32Type>(), &Int32Array::from(vec![6, 2]));
    }

    #[test]
    fn a_filter_keeps_only_true_rows_and_emit_first_shifts_groups() {
        let mut acc = Top2Groups::default();
        let values: Vec<ArrayRef> = vec![Arc::new(Int32Array::from(vec![Some(10), Some(20), None, Some(5), Some(7)]))];
        let filter = BooleanArray::from(vec![Some(true), Some(false), Some(true), None, Some(true)]);
        acc.update_batch(&values, &[0, 0, 0, 1, 1], Some(&filter), 2).unwrap_or_else(|e| panic!("{e}"));
        // group 0 saw only 10 (20 filtered out, the null skipped): no second value
        let first = acc.evaluate(EmitTo::First(1)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.as_primitive::<Int32Type>(), &Int32Array::from(vec![None]));
        // group 1 (now group 0) saw 7 only (5's filter is null)
        let more: Vec<ArrayRef> = vec![Arc::new(Int32Array::from(vec![3]))];
        acc.update_batch(&more, &[0], None, 1).unwrap_or_else(|e| panic!("{e}"));
        let rest = acc.evaluate(EmitTo::All).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(rest.as_primitive::<Int32Type>(), &Int32Array::from(vec![Some(3)]));
    }
}
