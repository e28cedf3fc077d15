%%guard --confirm main.silver.sales
