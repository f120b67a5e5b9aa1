// Command tlogdiff answers questions about module paths, versions, escaping, signed notes and
// tree notes with golang.org/x/mod, so lockproof-tlog's tests can compare answers with Go's.
//
// Input: one request per line, tab-separated: an operation name followed by hex-encoded
// arguments. Output: one line per request, "ok" followed by tab-separated hex-encoded results,
// or "err".
package main

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 4<<20), 4<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		fields := strings.Split(in.Text(), "\t")
		args := make([]string, len(fields)-1)
		for i, f := range fields[1:] {
			b, err := hex.DecodeString(f)
			if err != nil {
				fmt.Fprintln(os.Stderr, "bad hex:", err)
				os.Exit(2)
			}
			args[i] = string(b)
		}
		res, err := answer(fields[0], args)
		if err != nil {
			fmt.Fprintln(out, "err")
			continue
		}
		enc := make([]string, len(res))
		for i, r := range res {
			enc[i] = hex.EncodeToString([]byte(r))
		}
		fmt.Fprintln(out, strings.Join(append([]string{"ok"}, enc...), "\t"))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}

func answer(op string, a []string) ([]string, error) {
	switch op {
	case "checkpath":
		return nil, module.CheckPath(a[0])
	case "escpath":
		s, err := module.EscapePath(a[0])
		return []string{s}, err
	case "unescpath":
		s, err := module.UnescapePath(a[0])
		return []string{s}, err
	case "escver":
		s, err := module.EscapeVersion(a[0])
		return []string{s}, err
	case "unescver":
		s, err := module.UnescapeVersion(a[0])
		return []string{s}, err
	case "checkver":
		return nil, checkRecordVersion(a[0], a[1])
	case "sign":
		// name, 32-byte seed, text -> skey, vkey, signed note
		skey, vkey, err := note.GenerateKey(bytes.NewReader([]byte(a[1])), a[0])
		if err != nil {
			return nil, err
		}
		signer, err := note.NewSigner(skey)
		if err != nil {
			return nil, err
		}
		msg, err := note.Sign(&note.Note{Text: a[2]}, signer)
		return []string{skey, vkey, string(msg)}, err
	case "open":
		// vkey, message -> text
		v, err := note.NewVerifier(a[0])
		if err != nil {
			return nil, err
		}
		n, err := note.Open([]byte(a[1]), note.VerifierList(v))
		if err != nil {
			return nil, err
		}
		return []string{n.Text}, nil
	case "vkey":
		v, err := note.NewVerifier(a[0])
		if err != nil {
			return nil, err
		}
		return []string{v.Name(), fmt.Sprintf("%08x", v.KeyHash())}, nil
	case "parsetree":
		t, err := tlog.ParseTree([]byte(a[0]))
		return []string{fmt.Sprint(t.N), t.Hash.String()}, err
	case "recordtext":
		// Go's record-text rules, via FormatRecord.
		_, err := tlog.FormatRecord(0, []byte(a[0]))
		return nil, err
	}
	return nil, fmt.Errorf("unknown op %q", op)
}

// checkRecordVersion is the version rule for checksum-database records: module.Check, a
// canonical semantic version, and "+incompatible" only for v2+ modules without a /vN suffix
// (as cmd/go's modfetch enforces before anything reaches the checksum database).
func checkRecordVersion(path, version string) error {
	if err := module.Check(path, version); err != nil {
		return err
	}
	base := strings.TrimSuffix(version, "+incompatible")
	if semver.Canonical(base) != base {
		return fmt.Errorf("not canonical")
	}
	if base != version {
		_, pathMajor, _ := module.SplitPathVersion(path)
		if m := semver.Major(base); m == "v0" || m == "v1" || pathMajor != "" {
			return fmt.Errorf("+incompatible not allowed")
		}
	}
	return nil
}
