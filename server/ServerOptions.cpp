// SPDX-License-Identifier: MIT
#include "ServerOptions.h"

#include "Beacon.h"
#include "SessionPassword.h"
#include "TlsCredentials.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QHostInfo>

namespace Optiverse::Collab {

namespace {

bool parseNumber(const QCommandLineParser &parser, const QCommandLineOption &option, qint64 min, qint64 max,
                 qint64 *out, QString *error)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const qint64 value = text.toLongLong(&ok);
    if (!ok || value < min || value > max) {
        *error = QStringLiteral("Invalid value \"%1\" for --%2: expected an integer from %3 to %4")
                     .arg(text.left(100), option.names().constFirst())
                     .arg(min)
                     .arg(max);
        return false;
    }
    *out = value;
    return true;
}

} // namespace

bool ServerOptions::parse(const QStringList &arguments, ServerOptions *out, QString *error, bool *exitNow)
{
    *exitNow = false;
    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral("Optiverse collaboration server"));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();
    const ServerConfig defaults;
    const QCommandLineOption host(QStringLiteral("host"), QStringLiteral("Address to bind to (default: 0.0.0.0)."),
                                  QStringLiteral("HOST"), QStringLiteral("0.0.0.0"));
    const QCommandLineOption port(QStringLiteral("port"), QStringLiteral("Port to listen on (default: 8765)."),
                                  QStringLiteral("PORT"), QStringLiteral("8765"));
    const QCommandLineOption debug(QStringLiteral("debug"), QStringLiteral("Log every message and refusal (default: off; passwords are never logged)."));
    const QCommandLineOption dataDir(QStringLiteral("data-dir"),
                                     QStringLiteral("Keep sessions in a database in DIR (survives restarts; "
                                                    "default: memory only)."),
                                     QStringLiteral("DIR"));
    const QCommandLineOption maxBytes(QStringLiteral("max-message-bytes"),
                                      QStringLiteral("Largest accepted message (default: %1).").arg(defaults.maxMessageBytes),
                                      QStringLiteral("BYTES"));
    const QCommandLineOption maxState(QStringLiteral("max-state-bytes"),
                                      QStringLiteral("Largest sync:full_state the host may push (default: %1).")
                                          .arg(defaults.maxStateBytes),
                                      QStringLiteral("BYTES"));
    const QCommandLineOption maxRate(QStringLiteral("max-rate"),
                                     QStringLiteral("Messages per second per connection (default: %1; burst: twice that).")
                                         .arg(defaults.maxMessagesPerSecond),
                                     QStringLiteral("N"));
    const QCommandLineOption maxUsers(QStringLiteral("max-users"),
                                      QStringLiteral("Users per session (default: %1).").arg(defaults.maxUsersPerSession),
                                      QStringLiteral("N"));
    const QCommandLineOption handshake(QStringLiteral("handshake-timeout-ms"),
                                       QStringLiteral("TLS and WebSocket handshake timeout (default: %1).")
                                           .arg(defaults.handshakeTimeoutMs),
                                       QStringLiteral("MS"));
    const QCommandLineOption keepalive(QStringLiteral("keepalive-ms"),
                                       QStringLiteral("Ping interval; silent clients are dropped after three "
                                                      "intervals (default: %1).")
                                           .arg(defaults.keepaliveIntervalMs),
                                       QStringLiteral("MS"));
    const QCommandLineOption sendBuffer(QStringLiteral("max-send-buffer"),
                                        QStringLiteral("Unread bytes queued per client before it is dropped "
                                                       "(default: %1).")
                                            .arg(defaults.maxSendBufferBytes),
                                        QStringLiteral("BYTES"));
    const QCommandLineOption history(QStringLiteral("history"),
                                     QStringLiteral("Messages kept per session for resume (default: %1).")
                                         .arg(defaults.historyLength),
                                     QStringLiteral("N"));
    const QCommandLineOption origin(QStringLiteral("allowed-origin"),
                                    QStringLiteral("Allow browser connections from ORIGIN (repeatable). By default "
                                                   "connections carrying an Origin header are refused."),
                                    QStringLiteral("ORIGIN"));
    const QCommandLineOption passwordFile(QStringLiteral("password-file"),
                                          QStringLiteral("Require the session password on the first line of FILE "
                                                         "(default: no password)."),
                                          QStringLiteral("FILE"));
    const QCommandLineOption tlsCert(QStringLiteral("tls-cert"),
                                     QStringLiteral("Serve wss:// with this PEM certificate (chain), with --tls-key "
                                                    "(default: plain ws://)."),
                                     QStringLiteral("FILE"));
    const QCommandLineOption tlsKey(QStringLiteral("tls-key"),
                                    QStringLiteral("Unencrypted PEM private key of --tls-cert."), QStringLiteral("FILE"));
    const QCommandLineOption noAdvertise(QStringLiteral("no-advertise"),
                                         QStringLiteral("Do not announce this server and its sessions on the LAN "
                                                        "(default: announced by UDP beacon, and DNS-SD where Avahi runs)."));
    const QCommandLineOption advertiseNames(QStringLiteral("advertise-names"),
                                            QStringLiteral("Include user names in the announcement (default: only "
                                                           "the number of users)."));
    const QCommandLineOption serverName(QStringLiteral("server-name"),
                                        QStringLiteral("Name to announce on the LAN (default: this computer's name)."),
                                        QStringLiteral("NAME"));
    const QCommandLineOption historyRestore(QStringLiteral("history-restore"),
                                            QStringLiteral("Who may restore a version or revert a change in the "
                                                           "session history: all, host (the session's owner: "
                                                           "who created it or was handed it) or none (default: all)."),
                                            QStringLiteral("WHO"), QStringLiteral("all"));
    const QCommandLineOption historyMaxAge(QStringLiteral("history-max-age"),
                                           QStringLiteral("Fold history older than DAYS into a checkpoint "
                                                          "(default: keep it forever)."),
                                           QStringLiteral("DAYS"));
    const QCommandLineOption memoryBudget(QStringLiteral("memory-budget"),
                                          QStringLiteral("Megabytes the sessions' histories may hold in memory "
                                                         "together; past it the oldest changes leave memory (kept "
                                                         "on disk with --data-dir, forgotten without) (default: %1).")
                                              .arg(defaults.memoryBudgetBytes / (1024 * 1024)),
                                          QStringLiteral("MB"));
    const QCommandLineOption historyInMemory(QStringLiteral("history-in-memory"),
                                             QStringLiteral("With --data-dir: how many of a session's latest changes "
                                                            "stay in memory; older ones are read from disk when asked "
                                                            "for (default: %1).")
                                                 .arg(defaults.historyOpsInMemory),
                                             QStringLiteral("N"));
    const QCommandLineOption exportRecording(QStringLiteral("export"),
                                             QStringLiteral("With --data-dir: write SESSION's recording (JSON Lines) "
                                                            "to FILE (- for stdout) and exit. Usage: --export SESSION FILE."),
                                             QStringLiteral("SESSION"));
    const QCommandLineOption salvage(QStringLiteral("salvage"),
                                     QStringLiteral("With --data-dir: copy every readable row of a damaged database "
                                                    "into a new data directory NEWDIR, report what was lost, and exit."),
                                     QStringLiteral("NEWDIR"));
    parser.addOptions({host, port, debug, dataDir, maxBytes, maxState, maxRate, maxUsers, handshake, keepalive, sendBuffer,
                       history, origin, passwordFile, tlsCert, tlsKey, noAdvertise, advertiseNames, serverName,
                       historyRestore, historyMaxAge, memoryBudget, historyInMemory, exportRecording, salvage});
    // Connection and password limits against hostile LAN members (docs/security.md).
    const auto limit = [](const char *name, const QString &help) {
        return QCommandLineOption(QLatin1String(name), help, QStringLiteral("N"));
    };
    const std::pair<QCommandLineOption, int ServerConfig::*> limits[] = {
        {limit("max-connections", QStringLiteral("Open connections in all, handshakes included (default: what the "
                                                 "file descriptor limit leaves room for).")),
         &ServerConfig::maxConnections},
        {limit("max-connections-per-address", QStringLiteral("Joined connections per client address (default: %1).")
                                                  .arg(defaults.maxConnectionsPerAddress)),
         &ServerConfig::maxConnectionsPerAddress},
        {limit("max-handshakes", QStringLiteral("Connections not joined yet, in all: handshakes, password checks "
                                                "(default: %1).").arg(defaults.maxHandshakes)),
         &ServerConfig::maxHandshakes},
        {limit("max-handshakes-per-address", QStringLiteral("Connections not joined yet per client address "
                                                            "(default: %1).").arg(defaults.maxHandshakesPerAddress)),
         &ServerConfig::maxHandshakesPerAddress},
        {limit("max-password-checks", QStringLiteral("Password checks per second, in all (default: %1).")
                                          .arg(defaults.maxPasswordChecksPerSecond)),
         &ServerConfig::maxPasswordChecksPerSecond},
    };
    for (const auto &[option, field] : limits)
        parser.addOption(option);
    if (!parser.parse(arguments)) {
        *error = parser.errorText();
        return false;
    }
    if (parser.isSet(help) || parser.isSet(version)) {
        *exitNow = true;
        if (parser.isSet(help))
            *error = parser.helpText();
        else
            *error = QCoreApplication::applicationName() + QLatin1Char(' ') + QCoreApplication::applicationVersion();
        return true;
    }
    ServerOptions o;
    // isSet(), not an empty value: "--export "$SESSION"" with an unset
    // variable must not fall through to starting a server.
    if (parser.isSet(exportRecording) && parser.isSet(salvage)) {
        *error = QStringLiteral("--export and --salvage are separate runs: give one of them");
        return false;
    }
    if (parser.isSet(exportRecording)) {
        o.exportRequested = true;
        o.exportSession = parser.value(exportRecording);
        if (!parser.isSet(dataDir) || parser.positionalArguments().size() != 1) {
            *error = QStringLiteral("--export needs --data-dir DIR, a session and a file: "
                                    "--data-dir DIR --export SESSION FILE");
            return false;
        }
        o.exportFile = parser.positionalArguments().constFirst();
        if (o.exportSession.isEmpty()) {
            *error = QStringLiteral("--export was given an empty session name: --data-dir DIR --export SESSION FILE");
            return false;
        }
        if (o.exportFile.isEmpty()) {
            *error = QStringLiteral("--export was given an empty file name (use - for stdout): "
                                    "--data-dir DIR --export SESSION FILE");
            return false;
        }
    } else if (parser.isSet(salvage)) {
        o.salvageDir = parser.value(salvage);
        if (!parser.isSet(dataDir) || o.salvageDir.isEmpty() || !parser.positionalArguments().isEmpty()) {
            *error = QStringLiteral("--salvage needs --data-dir DIR and a new directory: --data-dir DIR --salvage NEWDIR");
            return false;
        }
    } else if (!parser.positionalArguments().isEmpty()) {
        *error = QStringLiteral("Unexpected argument \"%1\"").arg(parser.positionalArguments().constFirst().left(100));
        return false;
    }

    o.hostText = parser.value(host).trimmed();
    if (o.hostText == QLatin1String("localhost")) {
        o.host = QHostAddress(QHostAddress::LocalHost);
    } else if (!o.host.setAddress(o.hostText)) {
        *error = QStringLiteral("Invalid value \"%1\" for --host: expected an IP address such as 0.0.0.0 or 127.0.0.1")
                     .arg(o.hostText.left(100));
        return false;
    }
    qint64 n = 0;
    n = o.port;
    if (!parseNumber(parser, port, 0, 65535, &n, error))
        return false;
    o.port = quint16(n);
    o.debug = parser.isSet(debug);
    o.config.dataDir = parser.value(dataDir);
    if (parser.isSet(dataDir) && o.config.dataDir.isEmpty()) {
        *error = QStringLiteral("--data-dir needs a directory");
        return false;
    }
    n = o.config.maxMessageBytes;
    if (!parseNumber(parser, maxBytes, 256, qint64(1) << 30, &n, error))
        return false;
    o.config.maxMessageBytes = n;
    n = o.config.maxStateBytes;
    if (!parseNumber(parser, maxState, 256, qint64(1) << 30, &n, error))
        return false;
    o.config.maxStateBytes = n;
    n = o.config.maxMessagesPerSecond;
    if (!parseNumber(parser, maxRate, 1, 1000000, &n, error))
        return false;
    if (parser.isSet(maxRate)) {
        o.config.maxMessagesPerSecond = int(n);
        o.config.burst = int(2 * n);
    }
    n = o.config.maxUsersPerSession;
    if (!parseNumber(parser, maxUsers, 1, 100000, &n, error))
        return false;
    o.config.maxUsersPerSession = int(n);
    n = o.config.handshakeTimeoutMs;
    if (!parseNumber(parser, handshake, 100, 600000, &n, error))
        return false;
    o.config.handshakeTimeoutMs = int(n);
    n = o.config.keepaliveIntervalMs;
    if (!parseNumber(parser, keepalive, 100, 3600000, &n, error))
        return false;
    if (parser.isSet(keepalive)) {
        o.config.keepaliveIntervalMs = int(n);
        o.config.keepaliveTimeoutMs = int(3 * n);
    }
    n = o.config.maxSendBufferBytes;
    if (!parseNumber(parser, sendBuffer, 1024, qint64(1) << 34, &n, error))
        return false;
    o.config.maxSendBufferBytes = n;
    for (const auto &[option, field] : limits) {
        n = o.config.*field;
        if (!parseNumber(parser, option, 1, 10000000, &n, error))
            return false;
        o.config.*field = int(n);
    }
    n = o.config.historyLength;
    if (!parseNumber(parser, history, 0, 10000000, &n, error))
        return false;
    o.config.historyLength = int(n);
    o.config.allowedOrigins = parser.values(origin);
    const QString restoreWho = parser.value(historyRestore).trimmed().toLower();
    if (restoreWho == QLatin1String("all"))
        o.config.historyRestore = ServerConfig::HistoryPermission::All;
    else if (restoreWho == QLatin1String("host"))
        o.config.historyRestore = ServerConfig::HistoryPermission::Host;
    else if (restoreWho == QLatin1String("none"))
        o.config.historyRestore = ServerConfig::HistoryPermission::None;
    else {
        *error = QStringLiteral("Invalid value \"%1\" for --history-restore: expected all, host or none")
                     .arg(parser.value(historyRestore).left(100));
        return false;
    }
    n = 0;
    if (!parseNumber(parser, historyMaxAge, 1, 100000, &n, error))
        return false;
    o.config.historyMaxAgeDays = int(n);
    n = o.config.memoryBudgetBytes / (1024 * 1024);
    if (!parseNumber(parser, memoryBudget, 16, 1024 * 1024, &n, error))
        return false;
    o.config.memoryBudgetBytes = n * 1024 * 1024;
    n = o.config.historyOpsInMemory;
    if (!parseNumber(parser, historyInMemory, 1000, 1000000, &n, error))
        return false;
    o.config.historyOpsInMemory = int(n);
    if (parser.isSet(passwordFile)) {
        QString why;
        if (!SessionPassword::readFile(parser.value(passwordFile), &o.config.password, &why)) {
            *error = QStringLiteral("--password-file: ") + why;
            return false;
        }
    }
    if (parser.isSet(tlsCert) != parser.isSet(tlsKey)) {
        *error = QStringLiteral("--tls-cert and --tls-key go together: give both for wss://, or neither for ws://");
        return false;
    }
    if (parser.isSet(tlsCert)) {
        QString why;
        if (!TlsCredentials::load(parser.value(tlsCert), parser.value(tlsKey), &o.config.tlsCertificateChain,
                                  &o.config.tlsKey, &why)) {
            *error = QStringLiteral("--tls-cert/--tls-key: ") + why;
            return false;
        }
    }
    o.config.advertise = !parser.isSet(noAdvertise);
    o.config.advertiseNames = parser.isSet(advertiseNames);
    if (parser.isSet(serverName)) {
        o.config.serverName = parser.value(serverName).trimmed();
        if (!Beacon::isValidServerName(o.config.serverName)) {
            *error = QStringLiteral("Invalid value \"%1\" for --server-name: expected 1 to %2 printable characters")
                         .arg(parser.value(serverName).left(100))
                         .arg(Protocol::MaxNameLength);
            return false;
        }
    }
    if (o.config.advertiseNames && !o.config.advertise) {
        *error = QStringLiteral("--advertise-names and --no-advertise contradict each other");
        return false;
    }
    *out = o;
    return true;
}

} // namespace Optiverse::Collab
