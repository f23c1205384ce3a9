"""What the dashboards and listings read: the read model's queries, history and the lean status reads."""
