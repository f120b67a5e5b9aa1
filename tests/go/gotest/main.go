// Command gotest is lockproof's one Go test helper, built offline on Debian's golang.org/x/mod
// (golang-golang-x-mod-dev) by every Rust test that needs Go's reference implementation:
//
//	gotest genkey   -name N -seed HEX64 -skey F -vkey F
//	gotest mkproxy  -out DIR -records F path@ver=srcdir...
//	gotest refsumdb -skey F -records F [-addr A] [-addrfile F] [-log F] [-proxy DIR]
//	                [-tamper MODE] [-pad N] [-spread N] [-tailpad N]
//	gotest client   -vkey V -url U -dir D PATH@VERSION...
//
// See refsumdb.go and client.go for the server and client modes.
//
// Build: cd tests/go && GOPROXY=off GOFLAGS=-mod=mod GOTOOLCHAIN=local go build ./gotest
package main

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	modzip "golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) < 2 {
		log.Fatal("usage: gotest genkey|mkproxy|refsumdb|client [flags]")
	}
	args := os.Args[2:]
	switch os.Args[1] {
	case "genkey":
		genkey(args)
	case "mkproxy":
		mkproxy(args)
	case "refsumdb":
		refsumdb(args)
	case "client":
		client(args)
	default:
		log.Fatalf("unknown command %q", os.Args[1])
	}
}

// seedReader returns the same 32 bytes forever, making note.GenerateKey deterministic.
type seedReader struct{ seed []byte }

func (r seedReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.seed[i%len(r.seed)]
	}
	return len(p), nil
}

func genkey(args []string) {
	fs := flag.NewFlagSet("genkey", flag.ExitOnError)
	name := fs.String("name", "", "key name")
	seedHex := fs.String("seed", "", "32-byte seed, hex")
	skeyFile := fs.String("skey", "", "write the signer key here")
	vkeyFile := fs.String("vkey", "", "write the verifier key here")
	fs.Parse(args)
	seed, err := hex.DecodeString(*seedHex)
	if err != nil || len(seed) != 32 {
		log.Fatalf("-seed must be 64 hex digits")
	}
	skey, vkey, err := note.GenerateKey(seedReader{seed}, *name)
	if err != nil {
		log.Fatal(err)
	}
	must(os.WriteFile(*skeyFile, []byte(skey+"\n"), 0o600))
	must(os.WriteFile(*vkeyFile, []byte(vkey+"\n"), 0o644))
}

func mkproxy(args []string) {
	fs := flag.NewFlagSet("mkproxy", flag.ExitOnError)
	out := fs.String("out", "", "proxy directory")
	recordsFile := fs.String("records", "", "append records here")
	fs.Parse(args)
	var records []string
	for _, arg := range fs.Args() {
		spec, src, ok := strings.Cut(arg, "=")
		path, vers, ok2 := strings.Cut(spec, "@")
		if !ok || !ok2 {
			log.Fatalf("bad argument %q (want path@version=srcdir)", arg)
		}
		m := module.Version{Path: path, Version: vers}
		must(module.Check(path, vers))
		rec, err := addModule(*out, m, src)
		if err != nil {
			log.Fatalf("%s: %v", m, err)
		}
		records = append(records, rec)
	}
	f, err := os.OpenFile(*recordsFile, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	must(err)
	st, err := f.Stat()
	must(err)
	for i, r := range records {
		if i > 0 || st.Size() > 0 {
			r = "\n" + r
		}
		_, err := f.WriteString(r)
		must(err)
	}
	must(f.Close())
}

func addModule(out string, m module.Version, src string) (string, error) {
	escPath, err := module.EscapePath(m.Path)
	if err != nil {
		return "", err
	}
	escVers, err := module.EscapeVersion(m.Version)
	if err != nil {
		return "", err
	}
	dir := filepath.Join(out, filepath.FromSlash(escPath), "@v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(dir, escVers)
	gomod, err := os.ReadFile(filepath.Join(src, "go.mod"))
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".mod", gomod, 0o644); err != nil {
		return "", err
	}
	info, _ := json.Marshal(map[string]string{"Version": m.Version, "Time": "2024-01-01T00:00:00Z"})
	if err := os.WriteFile(base+".info", append(info, '\n'), 0o644); err != nil {
		return "", err
	}
	zf, err := os.Create(base + ".zip")
	if err != nil {
		return "", err
	}
	if err := modzip.CreateFromDir(zf, m, src); err != nil {
		zf.Close()
		return "", err
	}
	if err := zf.Close(); err != nil {
		return "", err
	}
	if err := writeList(dir); err != nil {
		return "", err
	}
	zipSum, err := dirhash.HashZip(base+".zip", dirhash.Hash1)
	if err != nil {
		return "", err
	}
	modSum, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(gomod)), nil
	})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", m.Path, m.Version, zipSum, m.Path, m.Version, modSum), nil
}

func writeList(dir string) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var vers []string
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".info") {
			if uv, err := module.UnescapeVersion(strings.TrimSuffix(e.Name(), ".info")); err == nil {
				vers = append(vers, uv)
			}
		}
	}
	sort.Slice(vers, func(i, j int) bool { return semver.Compare(vers[i], vers[j]) < 0 })
	return os.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(vers, "\n")+"\n"), 0o644)
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
