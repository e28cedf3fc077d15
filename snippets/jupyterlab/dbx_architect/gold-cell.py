%%gold weekly_sales
from: sales
group_by: [store]
grain: week
time_col: day
aggregates: {units: sum(units)}
