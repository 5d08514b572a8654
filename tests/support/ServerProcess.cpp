// SPDX-License-Identifier: MIT
#include "ServerProcess.h"

#include <QDebug>
#include <QRegularExpression>
#include <QTest>

#include <csignal>

QString ServerProcess::executable()
{
    return QStringLiteral(OPTIVERSE_SERVER_EXE);
}

ServerProcess::~ServerProcess()
{
    if (process.state() != QProcess::NotRunning) {
        process.kill();
        process.waitForFinished(5000);
    }
}

bool ServerProcess::start(QStringList args)
{
    args << QStringLiteral("--host") << QStringLiteral("127.0.0.1") << QStringLiteral("--port") << QStringLiteral("0");
    process.setProcessChannelMode(QProcess::SeparateChannels);
    process.start(executable(), args);
    if (!process.waitForStarted(5000))
        return false;
    const bool ready = QTest::qWaitFor([this] {
        output += process.readAllStandardOutput();
        return output.contains("Ready.") || process.state() == QProcess::NotRunning;
    }, 10000);
    const QRegularExpressionMatch m =
        QRegularExpression(QStringLiteral("listening on 127\\.0\\.0\\.1:(\\d+)")).match(QString::fromUtf8(output));
    if (!ready || !m.hasMatch()) {
        qWarning() << "server did not start:" << output << process.readAllStandardError();
        return false;
    }
    port = quint16(m.captured(1).toUInt());
    return true;
}

QByteArray ServerProcess::stop()
{
    ::kill(pid_t(process.processId()), SIGTERM);
    process.waitForFinished(5000);
    output += process.readAllStandardOutput();
    return output + process.readAllStandardError();
}

QUrl ServerProcess::url(const QString &scheme) const
{
    return QUrl(QStringLiteral("%1://127.0.0.1:%2").arg(scheme).arg(port));
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
