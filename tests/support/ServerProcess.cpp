// SPDX-License-Identifier: MIT
#include "ServerProcess.h"

#include <QDebug>
#include <QDir>
#include <QFile>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTest>

#include <csignal>
#include <sys/prctl.h>
#include <sys/resource.h>

QString ServerProcess::executable()
{
    return QStringLiteral(OPTIVERSE_SERVER_EXE);
}

ServerProcess::ServerProcess()
{
    // Separate channels so output() is the banner alone; the context object is
    // the process itself, so nothing fires after this is gone.
    m_process.setProcessChannelMode(QProcess::SeparateChannels);
    QObject::connect(&m_process, &QProcess::readyReadStandardOutput, &m_process, [this] { readOutput(); });
    QObject::connect(&m_process, &QProcess::readyReadStandardError, &m_process, [this] { readErrors(); });
}

ServerProcess::~ServerProcess()
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.kill();
        m_process.waitForFinished(5000);
    }
}

void ServerProcess::readOutput()
{
    const QByteArray bytes = m_process.readAllStandardOutput();
    m_output += bytes;
    m_log += bytes;
}

void ServerProcess::readErrors()
{
    m_log += m_process.readAllStandardError();
}

bool ServerProcess::start(const QStringList &args, int timeoutMs)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // Under AddressSanitizer freed memory sits in a 256 MiB quarantine and
    // shows as RSS; a small one keeps memory bounds meaningful. Harmless
    // without ASan.
    QString asan = env.value(QStringLiteral("ASAN_OPTIONS"));
    if (!asan.isEmpty())
        asan += QLatin1Char(':');
    env.insert(QStringLiteral("ASAN_OPTIONS"), asan + QStringLiteral("quarantine_size_mb=8"));
    m_process.setProcessEnvironment(env);
    // If the test itself crashes, the server must not outlive it.
    const rlim_t limit = rlim_t(m_descriptorLimit);
    m_process.setChildProcessModifier([limit] {
        ::prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (limit > 0) {
            const rlimit both{limit, limit};
            ::setrlimit(RLIMIT_NOFILE, &both);
        }
    });
    m_process.start(executable(), QStringList(args) << QStringLiteral("--host") << QStringLiteral("127.0.0.1")
                                                    << QStringLiteral("--port") << QStringLiteral("0"));
    if (!m_process.waitForStarted(timeoutMs)) {
        qWarning() << "server did not start:" << m_process.errorString();
        return false;
    }
    const bool ready = QTest::qWaitFor(
        [this] { return m_output.contains("Ready.") || m_process.state() == QProcess::NotRunning; }, timeoutMs);
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("listening on 127\\.0\\.0\\.1:(\\d+)")).match(QString::fromUtf8(m_output));
    if (!ready || !m.hasMatch()) {
        qWarning().noquote() << "server did not start:" << m_log;
        return false;
    }
    m_port = quint16(m.captured(1).toUInt());
    return true;
}

QByteArray ServerProcess::stop(int timeoutMs)
{
    if (m_process.state() != QProcess::NotRunning) {
        m_process.terminate();
        m_process.waitForFinished(timeoutMs);
    }
    // Whatever is still in the pipes' buffers.
    readOutput();
    readErrors();
    return m_log;
}

void ServerProcess::terminate()
{
    m_process.terminate();
}

void ServerProcess::kill()
{
    m_process.kill();
}

QUrl ServerProcess::url(const QString &scheme) const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(m_port));
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

int ServerProcess::runToExit(const QStringList &args, QByteArray *printed)
{
    QProcess p;
    p.start(executable(), args);
    if (!p.waitForFinished(10000))
        return -1000;
    *printed = p.readAllStandardOutput() + p.readAllStandardError();
    return p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
}
