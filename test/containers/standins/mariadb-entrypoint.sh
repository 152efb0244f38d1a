#!/bin/bash
# First start of an empty /var/lib/mysql: create the system tables, then the root
# password, database and user that the official MySQL image's variables ask for
# (MYSQL_ROOT_PASSWORD, MYSQL_DATABASE, MYSQL_USER, MYSQL_PASSWORD), on a server
# without networking, so that no client (nor a TCP healthcheck) sees it half made.
# Every start then runs the server in the foreground as PID 1 (SIGTERM shuts it down).
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/init.sock

sql_string() { # a value as a single-quoted SQL string literal
  local value=${1//\\/\\\\}
  printf "'%s'" "${value//\'/\\\'}"
}

initialise() {
  if [ -z "${MYSQL_ROOT_PASSWORD:-}" ]; then
    echo "entrypoint: MYSQL_ROOT_PASSWORD is required for a new data directory" >&2
    exit 1
  fi
  echo "entrypoint: initialising ${datadir}"
  mkdir -p /run/mysqld
  chown mysql:mysql "${datadir}" /run/mysqld
  mariadb-install-db --user=mysql --datadir="${datadir}" --skip-test-db \
    --auth-root-authentication-method=socket >/dev/null
  mariadbd --user=mysql --datadir="${datadir}" --skip-networking --socket="${socket}" &
  local pid=$!
  for _ in $(seq 1 60); do
    if mariadb-admin --socket="${socket}" -uroot ping >/dev/null 2>&1; then break; fi
    sleep 1
  done
  local root_password
  root_password=$(sql_string "${MYSQL_ROOT_PASSWORD}")
  {
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY ${root_password};"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY ${root_password};"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    if [ -n "${MYSQL_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`${MYSQL_DATABASE}\`;"
    fi
    if [ -n "${MYSQL_USER:-}" ] && [ -n "${MYSQL_PASSWORD:-}" ]; then
      echo "CREATE USER $(sql_string "${MYSQL_USER}")@'%' IDENTIFIED BY $(sql_string "${MYSQL_PASSWORD}");"
      if [ -n "${MYSQL_DATABASE:-}" ]; then
        echo "GRANT ALL ON \`${MYSQL_DATABASE}\`.* TO $(sql_string "${MYSQL_USER}")@'%';"
      fi
    fi
  } | mariadb --socket="${socket}" -uroot
  kill -TERM "${pid}"
  wait "${pid}"
  echo "entrypoint: initialised"
}

if [ ! -d "${datadir}/mysql" ]; then
  initialise
fi
exec mariadbd --user=mysql --datadir="${datadir}" --bind-address=0.0.0.0 --port=3306 --skip-name-resolve "$@"
