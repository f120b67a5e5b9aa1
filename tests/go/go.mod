module lockproof.test/gotest

go 1.19

require golang.org/x/mod v0.7.0

// Debian's golang-golang-x-mod-dev installs the x/mod sources here; a directory replacement
// needs no module proxy and no go.sum entry, so this builds with GOPROXY=off.
replace golang.org/x/mod => /usr/share/gocode/src/golang.org/x/mod
