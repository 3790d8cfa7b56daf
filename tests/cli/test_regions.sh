#!/usr/bin/env bash
# `caveat where` with the embedded regions (src/geo/regions_data.c) on the real binary ($1).
# A build without regions (cmake -DCAV_REGIONS=OFF) prints no region line: then only that is checked.
set -u
caveat=$1
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
expect_eq() { [ "$1" = "$2" ] && ok || bad "$3: got '$1', expected '$2'"; }

region_of() { "$caveat" where "$1" "$2" | grep '^region ' ; }

if [ -z "$(region_of 51.19 35.27)" ]; then
  expect_eq "$("$caveat" where 51.19 35.27 | head -1)" "country RU Russia" "Sudzha is RU"
  echo "built without regions: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
  exit
fi
expect_eq "$("$caveat" where 51.19 35.27 | head -2)" "country RU Russia
region RU-KRS Kursk Oblast" "Sudzha"
expect_eq "$(region_of 50.60 36.59)" "region RU-BEL Belgorod Oblast" "Belgorod"
expect_eq "$(region_of 51.73 36.19)" "region RU-KRS Kursk Oblast" "Kursk"
expect_eq "$(region_of 53.24 34.36)" "region RU-BRY Bryansk Oblast" "Bryansk"
expect_eq "$(region_of 51.67 39.20)" "region RU-VOR Voronezh Oblast" "Voronezh"
expect_eq "$(region_of 47.23 39.72)" "region RU-ROS Rostov Oblast" "Rostov-on-Don"
expect_eq "$(region_of 49.99 36.23)" "" "Kharkiv is in no region"
expect_eq "$(region_of 55.75 37.62)" "" "Moscow is in none of the embedded regions"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
