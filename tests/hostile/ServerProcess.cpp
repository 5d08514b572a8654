// SPDX-License-Identifier: MIT
#include "ServerProcess.h"

#include <QDir>
#include <QFile>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTest>

#include <csignal>
#include <sys/prctl.h>

ServerProcess::ServerProcess(QObject *parent) : QObject(parent)
{
    m_process.setProcessChannelMode(QProcess::MergedChannels);
    connect(&m_process, &QProcess::readyReadStandardOutput, this, [this] { m_log += m_process.readAllStandardOutput(); });
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

bool ServerProcess::start(const QStringList &args, int timeoutMs)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // Under AddressSanitizer freed memory sits in a 256 MiB quarantine and
    // shows as RSS; a small one keeps the memory bound meaningful. Harmless
    // without ASan.
    QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
    if (!asan.isEmpty())
        asan += QLatin1Char(':');
    env.insert(QStringLiteral("ASAN_OPTIONS"), asan + QStringLiteral("quarantine_size_mb=8"));
    m_process.setProcessEnvironment(env);
    // If the test itself crashes, the server must not outlive it.
    m_process.setChildProcessModifier([] { ::prctl(PR_SET_PDEATHSIG, SIGKILL); });
    m_process.start(QStringLiteral(OPTIVERSE_SERVER_EXE),
                    QStringList(args) << QStringLiteral("--host") << QStringLiteral("127.0.0.1") << QStringLiteral("--port")
                                      << QStringLiteral("0"));
    if (!m_process.waitForStarted(timeoutMs))
        return false;
    const bool ready = QTest::qWaitFor(
        [this] { return m_log.contains("Ready.") || m_process.state() == QProcess::NotRunning; }, timeoutMs);
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("listening on 127\\.0\\.0\\.1:(\\d+)")).match(QString::fromUtf8(m_log));
    if (!ready || !m.hasMatch()) {
        qWarning().noquote() << "server did not start:" << m_log;
        return false;
    }
    m_port = quint16(m.captured(1).toUInt());
    return true;
}

bool ServerProcess::stop(int timeoutMs)
{
    if (m_process.state() == QProcess::NotRunning)
        return true;
    m_process.terminate();
    return m_process.waitForFinished(timeoutMs) && m_process.exitStatus() == QProcess::NormalExit
        && m_process.exitCode() == 0;
}

qint64 ServerProcess::rssKiB() const
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid()));
    if (!status.open(QIODevice::ReadOnly))
        return -1;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (line.startsWith("VmRSS:"))
            return line.mid(6).trimmed().split(' ').value(0).toLongLong();
    }
    return -1;
}

int ServerProcess::fdCount() const
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid()));
    return fds.exists() ? int(fds.entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System).size()) : -1;
}
