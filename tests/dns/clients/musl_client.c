/* getaddrinfo() exactly as an application calls it, for the differential tests.
 * Usage: musl_client NAME [unspec|inet|inet6]
 * Prints one address per line, or "error: <code>" and exits 2. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

int main(int argc, char **argv)
{
	struct addrinfo hints, *res, *p;
	char buf[INET6_ADDRSTRLEN];
	int rc;

	if (argc < 2) return 64;
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (argc > 2 && !strcmp(argv[2], "inet")) hints.ai_family = AF_INET;
	if (argc > 2 && !strcmp(argv[2], "inet6")) hints.ai_family = AF_INET6;
	rc = getaddrinfo(argv[1], NULL, &hints, &res);
	if (rc) {
		printf("error: %d %s\n", rc, gai_strerror(rc));
		return 2;
	}
	for (p = res; p; p = p->ai_next) {
		void *a = p->ai_family == AF_INET
			? (void *)&((struct sockaddr_in *)p->ai_addr)->sin_addr
			: (void *)&((struct sockaddr_in6 *)p->ai_addr)->sin6_addr;
		printf("%s\n", inet_ntop(p->ai_family, a, buf, sizeof buf));
	}
	freeaddrinfo(res);
	return 0;
}
