# Stand-in for the official MySQL image (mysql:8.4), for machines that cannot pull
# it: Debian's MariaDB server, with an entrypoint that honours the official image's
# first-start variables and keeps its data in /var/lib/mysql.
ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends mariadb-server \
 && rm -rf /var/lib/apt/lists/* \
 # The package's postinst creates a data directory; the entrypoint makes its own on
 # first start, so that a new volume gets the users and database it is asked for.
 && rm -rf /var/lib/mysql \
 && mkdir -p /var/lib/mysql /run/mysqld \
 && chown mysql:mysql /var/lib/mysql /run/mysqld
COPY mariadb-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/mysql
EXPOSE 3306
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
