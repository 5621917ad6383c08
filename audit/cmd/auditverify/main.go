package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/audit"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("auditverify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	key := fs.String("key", "", "verifier key of the log (name+hash+key), or @file")
	kept := fs.String("kept", "", "file holding a signed checkpoint kept from earlier")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *key == "" || fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: auditverify -key KEY [-kept FILE] EXPORT "+
			"(or - for standard input)")
		return 2
	}
	rep, err := verify(*key, *kept, fs.Arg(0), stdin)
	if err != nil {
		fmt.Fprintln(stderr, "auditverify:", err)
		return 2
	}
	write := rep.WriteText
	if *asJSON {
		write = func(w io.Writer) error { return writeJSON(w, rep) }
	}
	if err := write(stdout); err != nil {
		fmt.Fprintln(stderr, "auditverify:", err)
		return 2
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// writeJSON prints the report as one JSON object: ok, organization,
// checkpoint {origin, size, root, time}, kept, start, end, events and
// problems [{kind, line, message}].
func writeJSON(w io.Writer, rep *audit.Report) error {
	type cp struct {
		Origin string    `json:"origin"`
		Size   uint64    `json:"size"`
		Root   []byte    `json:"root"`
		Time   time.Time `json:"time"`
	}
	type problem struct {
		Kind    audit.ProblemKind `json:"kind"`
		Line    int               `json:"line,omitempty"`
		Message string            `json:"message"`
	}
	out := struct {
		OK           bool      `json:"ok"`
		Organization string    `json:"organization"`
		Checkpoint   cp        `json:"checkpoint"`
		Kept         *cp       `json:"kept,omitempty"`
		Start        uint64    `json:"start"`
		End          uint64    `json:"end"`
		Events       uint64    `json:"events"`
		Problems     []problem `json:"problems"`
	}{OK: rep.OK(), Organization: rep.Organization, Start: rep.Start, End: rep.End, Events: rep.Events,
		Problems: []problem{}}
	c := rep.Checkpoint
	out.Checkpoint = cp{c.Origin, c.Size, c.Root, c.Time}
	if k := rep.Kept; k != nil {
		out.Kept = &cp{k.Origin, k.Size, k.Root, k.Time}
	}
	for _, p := range rep.Problems {
		out.Problems = append(out.Problems, problem{p.Kind, p.Line, p.Message})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func verify(key, keptPath, exportPath string, stdin io.Reader) (*audit.Report, error) {
	if file, ok := strings.CutPrefix(key, "@"); ok {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		key = string(b)
	}
	v, err := audit.NewVerifier(key)
	if err != nil {
		return nil, err
	}
	var kept []byte
	if keptPath != "" {
		if kept, err = os.ReadFile(keptPath); err != nil {
			return nil, err
		}
		if len(kept) == 0 {
			return nil, errors.New("the kept checkpoint file is empty")
		}
	}
	in := stdin
	if exportPath != "-" {
		f, err := os.Open(exportPath)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		in = f
	}
	return audit.Verify(in, v, kept)
}
