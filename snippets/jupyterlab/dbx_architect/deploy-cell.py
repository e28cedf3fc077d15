%%deploy demand
table: weekly_sales
keys: [store, day]
