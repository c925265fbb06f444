// The pure-Go resolver as an application calls it, for the differential tests.
// Usage: go_client NAME [unspec|inet|inet6|SRV|TXT]
// Prints one answer per line, or "error: ..." and exits 2.
package main

import (
	"context"
	"fmt"
	"net"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		os.Exit(64)
	}
	name, mode := os.Args[1], "unspec"
	if len(os.Args) > 2 {
		mode = os.Args[2]
	}
	r := &net.Resolver{PreferGo: true}
	ctx := context.Background()
	var out []string
	var err error
	switch mode {
	case "SRV":
		var srvs []*net.SRV
		_, srvs, err = r.LookupSRV(ctx, "", "", name)
		for _, s := range srvs {
			out = append(out, fmt.Sprintf("%d %d %d %s", s.Priority, s.Weight, s.Port, s.Target))
		}
	case "TXT":
		out, err = r.LookupTXT(ctx, name)
	default:
		network := map[string]string{"unspec": "ip", "inet": "ip4", "inet6": "ip6"}[mode]
		var ips []net.IP
		ips, err = r.LookupIP(ctx, network, name)
		for _, ip := range ips {
			out = append(out, ip.String())
		}
	}
	if err != nil {
		fmt.Printf("error: %v\n", err)
		os.Exit(2)
	}
	for _, line := range out {
		fmt.Println(line)
	}
}
