// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QProcess>
#include <QStringList>
#include <QUrl>

/// The real optiverse-collab-server, started on 127.0.0.1 with an ephemeral
/// port for one test, and killed when it goes out of scope.
class ServerProcess
{
public:
    ~ServerProcess();

    /// Starts it with @p args (plus --host/--port) and waits for "Ready.".
    bool start(QStringList args = {});
    /// SIGTERM, waits for the exit, returns everything it printed.
    QByteArray stop();
    QUrl url(const QString &scheme = QStringLiteral("ws")) const;

    /// Runs the server with @p args to its exit; returns the exit code
    /// (-1 for a crash, -1000 for a time-out) and what it printed (stdout, then stderr).
    static int runToExit(const QStringList &args, QByteArray *printed);
    static QString executable();

    QProcess process;
    QByteArray output;
    quint16 port = 0;
};
