%%bronze sales
source: ./landing/sales/
format: csv
schema: id INT, amount DOUBLE
keys: [id]
