#!/bin/sh
# A browser for the conformance client: GET the URL and follow redirects to the loopback.
exec python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=10).read()' "$1"
