%%modelzoo demand
table: weekly_sales
target: units
task: regression
register: demand
