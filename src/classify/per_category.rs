//! One value per [`Category`], read and written by category, never by position.
//!
//! Weekly seconds, chart series and totals are all "a number for each category". Keeping them
//! in a `[T; 4]` indexed as `[0]..[3]` made every reader know the order; this type keeps the
//! order in one place ([`Category::ALL`]) and lets the compiler check the rest.

use std::ops::{Index, IndexMut};

use super::Category;

/// A `T` for each category, indexed by [`Category`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PerCategory<T>([T; 4]);

impl Category {
    /// Position in [`Category::ALL`]; private to this module so nothing else reads by position.
    fn slot(self) -> usize {
        match self {
            Category::People => 0,
            Category::Technical => 1,
            Category::DeepWork => 2,
            Category::Other => 3,
        }
    }
}

impl<T> PerCategory<T> {
    /// The four values, each named.
    pub const fn new(people: T, technical: T, deep_work: T, other: T) -> Self {
        PerCategory([people, technical, deep_work, other])
    }

    /// The value of each category, computed from it.
    pub fn from_fn(mut f: impl FnMut(Category) -> T) -> Self {
        PerCategory(Category::ALL.map(&mut f))
    }

    /// Each category with its value, in report order ([`Category::ALL`]).
    pub fn iter(&self) -> impl Iterator<Item = (Category, &T)> {
        Category::ALL.into_iter().zip(self.0.iter())
    }

    /// The values in report order.
    pub fn values(&self) -> impl Iterator<Item = &T> {
        self.0.iter()
    }

    /// A new value for each category from its old one.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> PerCategory<U> {
        PerCategory(self.0.map(f))
    }
}

impl<T> Index<Category> for PerCategory<T> {
    type Output = T;

    fn index(&self, c: Category) -> &T {
        &self.0[c.slot()]
    }
}

impl<T> IndexMut<Category> for PerCategory<T> {
    fn index_mut(&mut self, c: Category) -> &mut T {
        &mut self.0[c.slot()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_category_has_its_own_slot() {
        let mut p = PerCategory::<u32>::default();
        for (i, c) in Category::ALL.into_iter().enumerate() {
            p[c] += 10 * (i as u32 + 1);
        }
        assert_eq!(p[Category::People], 10);
        assert_eq!(p[Category::Technical], 20);
        assert_eq!(p[Category::DeepWork], 30);
        assert_eq!(p[Category::Other], 40);
        let named: Vec<(Category, u32)> = p.iter().map(|(c, v)| (c, *v)).collect();
        assert_eq!(
            named,
            vec![
                (Category::People, 10),
                (Category::Technical, 20),
                (Category::DeepWork, 30),
                (Category::Other, 40)
            ]
        );
    }

    #[test]
    fn from_fn_and_map_keep_categories_apart() {
        let p = PerCategory::from_fn(|c| c.as_str().len());
        assert_eq!(p[Category::DeepWork], "deep_work".len());
        let q = p.map(|n| n * 2);
        assert_eq!(q[Category::Other], 2 * "other".len());
        assert_eq!(q.values().sum::<usize>(), 2 * (6 + 9 + 9 + 5));
    }
}
