// SPDX-License-Identifier: MIT
#pragma once

#include <QByteArray>
#include <QObject>
#include <QProcess>
#include <QStringList>

/**
 * The real optiverse-collab-server on 127.0.0.1 (ephemeral port) as a child
 * process, so its memory and file descriptors can be read from /proc without
 * the test's own clients counted in.
 */
class ServerProcess : public QObject
{
    Q_OBJECT
public:
    explicit ServerProcess(QObject *parent = nullptr);
    ~ServerProcess() override;

    /// Starts the server with @p args and waits for "Ready.".
    bool start(const QStringList &args, int timeoutMs = 20000);
    /// SIGTERM, then waits for a clean exit.
    bool stop(int timeoutMs = 10000);

    quint16 port() const { return m_port; }
    qint64 pid() const { return m_process.processId(); }
    /// Resident set size from /proc/PID/status (VmRSS), in KiB; -1 if unknown.
    qint64 rssKiB() const;
    /// Open file descriptors (/proc/PID/fd entries); -1 if unknown.
    int fdCount() const;
    /// Everything the server printed so far (stdout and stderr).
    const QByteArray &log() const { return m_log; }
    int logCount(const QByteArray &needle) const { return int(m_log.count(needle)); }
    bool isRunning() const { return m_process.state() == QProcess::Running; }

private:
    QProcess m_process;
    QByteArray m_log;
    quint16 m_port = 0;
};
