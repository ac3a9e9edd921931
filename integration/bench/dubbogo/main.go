// Command dubbogo is the github.com/apache/dubbo-go v1.5.9 peer of Pulse's
// benchmark harness, in its own module because dubbo-go pins hessian2 v1.9.4
// and getty v1.4.7:
//
//	dubbogo provider [-listen 127.0.0.1:PORT]   prints "ready <addr> <stats addr>"
//	dubbogo client [loadgen flags]              prints one JSON report line
//
// dubbo-go reads its YAML in a package init from the file an environment
// variable names, so the program writes the YAML for its role, then runs
// itself again with the variable set.
package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// confEnv marks the second run, which has its YAML.
const confEnv = "PULSE_BENCH_DUBBOGO_CONF"

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: dubbogo provider|client [flags]")
		os.Exit(2)
	}
	role, args := os.Args[1], os.Args[2:]
	if os.Getenv(confEnv) == "" {
		os.Exit(reexec(role, args))
	}
	switch role {
	case "provider":
		os.Exit(provider(args))
	case "client":
		os.Exit(client(args))
	}
	fmt.Fprintln(os.Stderr, "dubbogo: unknown role", role)
	os.Exit(2)
}

// reexec writes the YAML of role and replaces this process with a run that
// reads it (the pid stays the same: the harness measures its CPU time).
func reexec(role string, args []string) int {
	dir, err := os.MkdirTemp("", "pulse-bench-dubbogo-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "dubbogo:", err)
		return 1
	}
	var env []string
	switch role {
	case "provider":
		port, err := freePort(args)
		if err != nil {
			fmt.Fprintln(os.Stderr, "dubbogo:", err)
			return 1
		}
		conf := filepath.Join(dir, "provider.yml")
		if err := os.WriteFile(conf, []byte(providerYAML(port)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "dubbogo:", err)
			return 1
		}
		env = []string{"CONF_PROVIDER_FILE_PATH=" + conf, "DUBBO_IP_TO_REGISTRY=127.0.0.1"}
		args = append([]string{"-port", fmt.Sprint(port)}, args...)
	case "client":
		target := flagValue(args, "target")
		conf := filepath.Join(dir, "consumer.yml")
		if err := os.WriteFile(conf, []byte(consumerYAML(target)), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "dubbogo:", err)
			return 1
		}
		env = []string{"CONF_CONSUMER_FILE_PATH=" + conf}
	default:
		fmt.Fprintln(os.Stderr, "dubbogo: unknown role", role)
		return 2
	}
	self, err := os.Executable()
	if err != nil {
		self, err = exec.LookPath(os.Args[0])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dubbogo:", err)
		return 1
	}
	// dubbo-go logs at debug level by default; warn is what a service runs with.
	logConf := filepath.Join(dir, "log.yml")
	if err := os.WriteFile(logConf, []byte(logYAML), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "dubbogo:", err)
		return 1
	}
	env = append(append(os.Environ(), env...), confEnv+"="+dir, "APP_LOG_CONF_FILE="+logConf)
	argv := append([]string{os.Args[0], role}, args...)
	err = syscall.Exec(self, argv, env)
	fmt.Fprintln(os.Stderr, "dubbogo: exec:", err)
	return 1
}

// flagValue finds -name v or -name=v in args.
func flagValue(args []string, name string) string {
	for i, a := range args {
		for _, p := range []string{"-" + name, "--" + name} {
			if a == p && i+1 < len(args) {
				return args[i+1]
			}
			if len(a) > len(p) && a[:len(p)+1] == p+"=" {
				return a[len(p)+1:]
			}
		}
	}
	return ""
}
