#!/bin/sh
# make gen-selftest: the generator refuses what it cannot represent exactly and every method it
# cannot classify, loudly, instead of guessing (a field of types it cannot union, a new method).
set -u
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
spec() {   # name extra-type-fields-json extra-methods-json
    cat > "$tmp/$1.json" <<JSON
{"version": "Bot API 99.1", "release_date": "x", "types": {
  "Update": {"name": "Update", "fields": [{"name": "update_id", "types": ["Integer"], "required": true, "description": "id"}]},
  "User": {"name": "User", "fields": [{"name": "id", "types": ["Integer"], "required": true, "description": "id"}$2]},
  "Chat": {"name": "Chat", "fields": [{"name": "id", "types": ["Integer"], "required": true, "description": "id"}]}},
 "methods": {"getMe": {"name": "getMe", "returns": ["User"], "description": "x"}$3}}
JSON
}
expect() {   # name want(ok|fail) grep-pattern
    mkdir -p "$tmp/out-$1"
    if python3 tools/gen_api.py --spec "$tmp/$1.json" --out "$tmp/out-$1" >"$tmp/$1.log" 2>&1; then got=ok; else got=fail; fi
    if [ "$got" = "$2" ] && { [ -z "$3" ] || grep -q "$3" "$tmp/$1.log"; }; then pass=$((pass+1)); echo "gen-selftest: $1: $got as expected"
    else fail=$((fail+1)); echo "gen-selftest: $1: got $got, want $2 ($3)"; cat "$tmp/$1.log"; fi
}
spec valid '' ''
expect valid ok ''
spec mixed ', {"name": "x", "types": ["Integer", "Boolean"], "required": false, "description": "x"}' ''
expect mixed fail 'User.x: cannot represent the types'
spec objmix ', {"name": "x", "types": ["Chat", "String"], "required": false, "description": "x"}' ''
expect objmix fail 'User.x: cannot represent the types'
spec union ', {"name": "x", "types": ["Chat", "User"], "required": false, "description": "x"}' ''
expect union ok ''
grep -q 'TG_USER_X_CHAT' "$tmp/out-union/src/gen/api.h" && pass=$((pass+1)) || { fail=$((fail+1)); echo "gen-selftest: union: no tagged union for User.x"; }
spec newmethod '' ', "frobnicateChat": {"name": "frobnicateChat", "returns": ["Boolean"], "description": "x"}'
expect newmethod fail 'method frobnicateChat is not listed in METHOD_CLASSES'
spec unknowntype ', {"name": "x", "types": ["Gadget"], "required": false, "description": "x"}' ''
expect unknowntype fail 'x: unknown type Gadget'
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
