// SPDX-License-Identifier: MIT
#include "HonestPeer.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkRequest>
#include <QTest>
#include <QUrl>

HonestPeer::HonestPeer(const QString &name, QObject *parent) : QObject(parent), m_name(name)
{
    connect(&m_socket, &QWebSocket::textMessageReceived, this, &HonestPeer::onText);
    connect(&m_socket, &QWebSocket::disconnected, this, [this] { disconnected = true; });
}

void HonestPeer::open(quint16 port, const QString &session)
{
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setPath(QStringLiteral("/ws/") + session + QLatin1Char('/') + m_name);
    QNetworkRequest request(url);
    request.setRawHeader("X-Optiverse-Capabilities", "seq");
    m_socket.open(request);
}

bool HonestPeer::waitJoined(int timeoutMs)
{
    return QTest::qWaitFor([this] { return joined || disconnected; }, timeoutMs) && joined;
}

qint64 HonestPeer::send(const QString &action, const QString &itemId, const QJsonObject &data)
{
    const QJsonObject command{{QLatin1String("action"), action},
                              {QLatin1String("item_type"), QLatin1String("lens")},
                              {QLatin1String("item_id"), itemId},
                              {QLatin1String("data"), data}};
    const QJsonObject message{{QLatin1String("type"), QLatin1String("command")},
                              {QLatin1String("user_id"), m_name},
                              {QLatin1String("timestamp"), QLatin1String("2025-10-28T12:34:56")},
                              {QLatin1String("client_seq"), ++m_clientSeq},
                              {QLatin1String("command"), command}};
    m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
    return m_clientSeq;
}

qint64 HonestPeer::sendNext()
{
    const int item = m_step / 4;
    const QString id = m_name + QLatin1Char('-') + QString::number(item);
    const double x = m_step;
    switch (m_step++ % 4) {
    case 0:
        return send(QStringLiteral("add_item"), id,
                    {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 0.0}, {QLatin1String("angle_deg"), 0.0},
                     {QLatin1String("focal_length_mm"), 100.0}});
    case 1:
        return send(QStringLiteral("move_item"), id,
                    {{QLatin1String("x_mm"), x}, {QLatin1String("y_mm"), 5.0}, {QLatin1String("angle_deg"), 45.0}});
    case 2:
        return send(QStringLiteral("update_item"), id, {{QLatin1String("focal_length_mm"), 50.0 + x}});
    default:
        return send(QStringLiteral("remove_item"), id, {});
    }
}

qint64 HonestPeer::sendBulk(int bytes)
{
    const QString id = m_name + QStringLiteral("-bulk");
    const QJsonObject data{{QLatin1String("notes"), QString(bytes, QLatin1Char('n'))}};
    if (!m_bulkAdded) {
        m_bulkAdded = true;
        return send(QStringLiteral("add_item"), id, data);
    }
    return send(QStringLiteral("update_item"), id, data);
}

void HonestPeer::onText(const QString &text)
{
    const QJsonObject o = QJsonDocument::fromJson(text.toUtf8()).object();
    const QString type = o.value(QLatin1String("type")).toString();
    if (type == QLatin1String("command")) {
        seqs.append(o.value(QLatin1String("seq")).toInteger(-1));
        received.insert(o.value(QLatin1String("user_id")).toString() + QLatin1Char('#')
                        + QString::number(o.value(QLatin1String("client_seq")).toInteger(-1)));
    } else if (type == QLatin1String("connection:ack")) {
        joined = true;
        for (const QJsonValue &u : o.value(QLatin1String("users")).toArray())
            ackUsers.append(u.toObject().value(QLatin1String("user_id")).toString());
    } else if (type == QLatin1String("user:joined")) {
        usersJoined.append(o.value(QLatin1String("user_id")).toString());
    } else if (type == QLatin1String("user:left")) {
        usersLeft.append(o.value(QLatin1String("user_id")).toString());
    } else if (type == QLatin1String("command:rejected")) {
        ++rejected;
    } else if (type == QLatin1String("error")) {
        ++errors;
        qWarning().noquote() << m_name << "got an error:" << text.left(300);
    }
}
