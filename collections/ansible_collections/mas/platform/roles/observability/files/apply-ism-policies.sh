#!/bin/sh
# Creates or updates OpenSearch's Index State Management policy of every log index
# family in /ism/policies (one JSON policy per file, named after the policy), then
# puts the indices of the family that exist already under it. New indices get it
# from the policy's ism_template. Updating takes the policy's sequence number, as
# OpenSearch requires.
set -eu

api() {
  # shellcheck disable=SC2086
  curl -sS ${CURL_TLS:-} ${OPENSEARCH_USERNAME:+-u "$OPENSEARCH_USERNAME:$OPENSEARCH_PASSWORD"} \
    -H 'Content-Type: application/json' "$@"
}

for file in /ism/policies/*.json; do
  id=$(basename "$file" .json)
  url="$OPENSEARCH_URL/_plugins/_ism/policies/$id"
  answer=$(api -w '\n%{http_code}' "$url")
  code=$(printf '%s\n' "$answer" | tail -n 1)
  case "$code" in
    200)
      seq=$(printf '%s\n' "$answer" | grep -o '"_seq_no":[0-9]*' | head -n 1 | cut -d: -f2)
      term=$(printf '%s\n' "$answer" | grep -o '"_primary_term":[0-9]*' | head -n 1 | cut -d: -f2)
      api -f -X PUT "$url?if_seq_no=$seq&if_primary_term=$term" --data @"$file" > /dev/null
      echo "updated ISM policy $id" ;;
    404)
      api -f -X PUT "$url" --data @"$file" > /dev/null
      echo "created ISM policy $id" ;;
    *)
      echo "reading ISM policy $id at $OPENSEARCH_URL failed: HTTP $code" >&2
      exit 1 ;;
  esac
  pattern="$(cat "/ism/patterns/$id")"
  api -X POST "$OPENSEARCH_URL/_plugins/_ism/add/$pattern" --data "{\"policy_id\":\"$id\"}"
  echo
  api -X POST "$OPENSEARCH_URL/_plugins/_ism/change_policy/$pattern" --data "{\"policy_id\":\"$id\"}"
  echo
done
