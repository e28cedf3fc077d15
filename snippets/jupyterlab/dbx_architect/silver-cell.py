%%silver sales
from: sales
keys: [id]
expect:
  - {name: id_present, not_null: [id], action: quarantine}
