"""The log configuration files of a cluster's ConfigMap.

The ConfigMap is mounted over the image's `conf/` directory, so a cluster
without `logConfiguration` still needs a `log4j-console.properties`: this one
logs to the console (what `kubectl logs` shows) and to Flink's log file (what
the web UI shows).
"""

from __future__ import annotations

from collections.abc import Mapping

LOG4J = "log4j-console.properties"
LOGBACK = "logback-console.xml"

DEFAULT_LOG4J = """\
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = Stdout
rootLogger.appenderRef.file.ref = FlinkLogFile

appender.out.name = Stdout
appender.out.type = Console
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = %d{ISO8601} %-5p %c{1.} - %m%n

# The file the web UI's log view reads (Flink sets log.file for each process).
appender.file.name = FlinkLogFile
appender.file.type = RollingFile
appender.file.fileName = ${sys:log.file}
appender.file.filePattern = ${sys:log.file}.%i
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{ISO8601} %-5p %c{1.} - %m%n
appender.file.policies.type = Policies
appender.file.policies.size.type = SizeBasedTriggeringPolicy
appender.file.policies.size.size = 64MB
appender.file.strategy.type = DefaultRolloverStrategy
appender.file.strategy.max = 4
"""


def log_files(log_configuration: Mapping[str, str]) -> dict[str, str]:
    """The files to ship: the spec's, with a console log4j configuration when it has none."""
    files = dict(log_configuration)
    if LOG4J not in files and LOGBACK not in files:
        files[LOG4J] = DEFAULT_LOG4J
    return files
