package main

import (
	"bytes"
	"html/template"
	"net/http"
)

// layout is the frame of every page; each page defines "content".
const layout = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{.Title}} · Gatehouse demo</title>
<style>
body{font-family:system-ui,sans-serif;max-width:60rem;margin:1.5rem auto;padding:0 1rem;line-height:1.5}
nav a{margin-right:1rem} code,pre{background:#f4f4f4;padding:.1rem .3rem;border-radius:3px}
pre{padding:.6rem;overflow-x:auto} table{border-collapse:collapse} td,th{padding:.2rem .6rem;border-bottom:1px solid #ddd;text-align:left}
.muted{color:#777} .error{color:#a00} form.inline{display:inline}
</style></head>
<body>
<nav><a href="/">Home</a><a href="/signin">Sign in</a><a href="/profile">Profile</a>
<a href="/users">Users</a><a href="/documents">Documents</a><a href="/audit">Audit log</a><a href="/keys">API keys</a>
{{with .Session}}<span class="muted">signed in as {{.Email}} ({{.Via}}) · <form class="inline" method="post" action="/signout"><button>Sign out</button></form></span>{{end}}</nav>
<h1>{{.Title}}</h1>
{{template "content" .}}
</body></html>`

// pageData is what every page template gets.
type pageData struct {
	Title   string
	Session *session
	Data    any
}

// newPage parses a page's "content" template inside the layout.
func newPage(content string) *template.Template {
	t := template.Must(template.New("layout").Parse(layout))
	return template.Must(t.New("content").Parse(content))
}

// render writes a page; the template is executed into a buffer first so
// that an error never leaves half a page.
func (a *app) render(w http.ResponseWriter, r *http.Request, status int, t *template.Template, title string, data any) {
	pd := pageData{Title: title, Data: data}
	if s, ok := a.currentSession(r); ok {
		pd.Session = &s
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", pd); err != nil {
		a.log.Error("rendering a page", "title", title, "err", err)
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = buf.WriteTo(w)
}
