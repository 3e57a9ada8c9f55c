"""Customer economics: order and customer metrics, acquisition cohorts, marketing spend and
acquisition cost (decision 0014)."""
