package secrets_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/secrets"
)

func TestValueNeverPrints(t *testing.T) {
	t.Parallel()
	const plain = "hunter2-very-secret"
	v := secrets.NewStringValue(plain)
	holder := struct {
		Name  string
		Value secrets.Value
	}{"db", v}

	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		outputs = append(outputs, fmt.Sprintf(verb, v), fmt.Sprintf(verb, holder),
			fmt.Sprintf(verb, &holder))
	}
	outputs = append(outputs, fmt.Sprint(v), fmt.Sprintln(holder),
		fmt.Errorf("wrapping %v", v).Error())

	j, err := json.Marshal(holder)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(j))

	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "v", v, "h", holder)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("x", "v", v, slog.Any("p", &v))
	outputs = append(outputs, logs.String())

	hexPlain := fmt.Sprintf("%x", plain)
	for _, out := range outputs {
		if strings.Contains(out, plain) || strings.Contains(strings.ToLower(out), hexPlain) ||
			strings.Contains(out, "104 117 110") { // %d of the bytes
			t.Errorf("output shows the value: %s", out)
		}
	}
	if !strings.Contains(string(j), "[REDACTED]") {
		t.Errorf("JSON = %s, want [REDACTED]", j)
	}
	if string(v.Reveal()) != plain || v.Len() != len(plain) {
		t.Error("Reveal does not give the value back")
	}
}

func TestValueEqual(t *testing.T) {
	t.Parallel()
	a, b := secrets.NewStringValue("x1"), secrets.NewValue([]byte("x1"))
	if !a.Equal(b) || a.Equal(secrets.NewStringValue("x2")) || a.Equal(secrets.Value{}) {
		t.Error("Equal gives wrong answers")
	}
}

// fmtAll prints v in every way a careless caller might.
func fmtAll(v any) string {
	j, _ := json.Marshal(v)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "v", v)
	return fmt.Sprintf("%v %+v %#v %s", v, v, v, j) + logs.String()
}
