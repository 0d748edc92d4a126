// A Go peer of the seeds' design for `pnpm bench`: net/http, a goroutine and a buffered
// channel per client, one Write and one Flush per event. POST /api/sessions spawns the
// command (argv, no shell) and publishes session_created, then session_updated when it
// exits, as every bench target does. On SIGUSR2 it runs a GC and reports the heap in use
// on stderr ("bench-memory <bytes>"), as the bench's Node preload does.
package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

type session struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Command   []string `json:"command"`
	Cwd       string   `json:"cwd"`
	Status    string   `json:"status"`
	Instance  string   `json:"instance"`
	Pid       *int     `json:"pid"`
	ExitCode  *int     `json:"exitCode"`
	Signal    *string  `json:"signal"`
	Error     *string  `json:"error"`
	CreatedAt string   `json:"createdAt"`
	UpdatedAt string   `json:"updatedAt"`
	EndedAt   *string  `json:"endedAt"`
}

// Frames a client may have queued before it is dropped (it would resume by id).
const clientBuffer = 256

type hub struct {
	mu       sync.Mutex
	clients  map[chan []byte]struct{}
	lastID   int
	sessions []session
	seq      int
}

func (h *hub) keep(s session) {
	for i := range h.sessions {
		if h.sessions[i].ID == s.ID {
			h.sessions[i] = s
			return
		}
	}
	h.sessions = append(h.sessions, s)
	if len(h.sessions) > 10 {
		h.sessions = h.sessions[1:]
	}
}

func (h *hub) publish(event string, s session) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.keep(s)
	h.lastID++
	data, _ := json.Marshal(map[string]any{"type": event, "session": s, "at": time.Now().UnixMilli()})
	frame := []byte(fmt.Sprintf("id: %d\nevent: %s\ndata: %s\n\n", h.lastID, event, data))
	for ch := range h.clients {
		select {
		case ch <- frame:
		default:
			delete(h.clients, ch)
			close(ch)
		}
	}
}

func now() string { return time.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

func (h *hub) start(command []string, cwd string) session {
	h.mu.Lock()
	h.seq++
	id := "g" + strconv.Itoa(h.seq)
	h.mu.Unlock()
	at := now()
	s := session{ID: id, Name: filepath.Base(command[0]), Command: command, Cwd: cwd, Status: "running", Instance: "go-peer", CreatedAt: at, UpdatedAt: at}
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Dir = cwd
	if err := cmd.Start(); err != nil {
		msg := err.Error()
		s.Status, s.Error, s.EndedAt = "failed", &msg, &at
		h.publish("session_created", s)
		return s
	}
	pid := cmd.Process.Pid
	s.Pid = &pid
	h.publish("session_created", s)
	go func() {
		_ = cmd.Wait()
		ended := s
		end := now()
		code := cmd.ProcessState.ExitCode()
		ended.Status, ended.ExitCode, ended.UpdatedAt, ended.EndedAt = "exited", &code, end, &end
		h.publish("session_updated", ended)
	}()
	return s
}

func (h *hub) stream(w http.ResponseWriter, r *http.Request, heartbeat time.Duration) {
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	header := w.Header()
	header.Set("Content-Type", "text/event-stream; charset=utf-8")
	header.Set("Cache-Control", "no-cache, no-transform")
	header.Set("X-Accel-Buffering", "no")
	ch := make(chan []byte, clientBuffer)
	h.mu.Lock()
	data, _ := json.Marshal(map[string]any{"type": "snapshot", "sessions": h.sessions, "at": time.Now().UnixMilli(), "heartbeatMs": heartbeat.Milliseconds()})
	opening := fmt.Sprintf("retry: 2000\n\nid: %d\nevent: snapshot\ndata: %s\n\n", h.lastID, data)
	h.clients[ch] = struct{}{}
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		if _, open := h.clients[ch]; open {
			delete(h.clients, ch)
			close(ch)
		}
		h.mu.Unlock()
	}()
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write([]byte(opening))
	flusher.Flush()
	ticker := time.NewTicker(heartbeat)
	defer ticker.Stop()
	for {
		select {
		case frame, open := <-ch:
			if !open {
				return
			}
			if _, err := w.Write(frame); err != nil {
				return
			}
			flusher.Flush()
			ticker.Reset(heartbeat)
		case <-ticker.C:
			ping := fmt.Sprintf("event: ping\ndata: {\"type\":\"ping\",\"at\":%d}\n\n", time.Now().UnixMilli())
			if _, err := w.Write([]byte(ping)); err != nil {
				return
			}
			flusher.Flush()
		case <-r.Context().Done():
			return
		}
	}
}

func main() {
	host := os.Getenv("HOST")
	if host == "" {
		host = "127.0.0.1"
	}
	port := os.Getenv("PORT")
	heartbeatMs, err := strconv.Atoi(os.Getenv("SSE_HEARTBEAT_MS"))
	if err != nil || heartbeatMs <= 0 {
		heartbeatMs = 30000
	}
	cwd := os.Getenv("FS_ROOT")
	if cwd == "" {
		cwd, _ = os.Getwd()
	}
	h := &hub{clients: map[chan []byte]struct{}{}}

	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGUSR2, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		for sig := range signals {
			if sig != syscall.SIGUSR2 {
				os.Exit(0)
			}
			runtime.GC()
			var stats runtime.MemStats
			runtime.ReadMemStats(&stats)
			fmt.Fprintf(os.Stderr, "bench-memory %d\n", stats.HeapAlloc)
		}
	}()

	mux := http.NewServeMux()
	mux.HandleFunc("/api/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("/api/sse/sessions", func(w http.ResponseWriter, r *http.Request) {
		h.stream(w, r, time.Duration(heartbeatMs)*time.Millisecond)
	})
	mux.HandleFunc("/api/sessions", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var body struct {
			Command []string `json:"command"`
		}
		if json.NewDecoder(r.Body).Decode(&body) != nil || len(body.Command) == 0 {
			body.Command = []string{"true"}
		}
		s := h.start(body.Command, cwd)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(s)
	})
	server := &http.Server{Addr: host + ":" + port, Handler: mux}
	if err := server.ListenAndServe(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
