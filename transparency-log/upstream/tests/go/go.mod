module upstreamtests

go 1.19

require golang.org/x/mod v0.7.0

// Debian's golang-golang-x-mod-dev installs the x/mod sources here (see .ci/apt-packages).
// A directory replacement needs no module proxy and no go.sum entry.
replace golang.org/x/mod => /usr/share/gocode/src/golang.org/x/mod
