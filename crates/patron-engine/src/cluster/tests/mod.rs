//! Tests of the clustering as a whole: synthetic blobs, scikit-learn's numbers, customers.

mod bench;
mod blobs;
mod customers;
mod sklearn;
