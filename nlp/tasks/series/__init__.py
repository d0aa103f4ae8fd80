"""Time series: a recurrent regressor on numbers from CSV files."""
