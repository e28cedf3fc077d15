%%monitor demand
time_col: day
window: week
trigger: {k: 2, n: 3}
