// SPDX-License-Identifier: MIT
#include "TestSupport.h"

#include "WsFrame.h"

#include <QJsonDocument>
#include <QNetworkRequest>
#include <QTest>
#include <QUrl>
#include <QtEndian>

namespace TestSupport {

Client::Client(const QString &origin, QObject *parent) : QObject(parent), socket(origin)
{
    connect(&socket, &QWebSocket::connected, this, [this] { connected = true; });
    connect(&socket, &QWebSocket::disconnected, this, [this] {
        disconnected = true;
        closeCode = socket.closeCode();
        closeReason = socket.closeReason();
    });
    connect(&socket, &QWebSocket::textMessageReceived, this, [this](const QString &text) {
        messages.append(QJsonDocument::fromJson(text.toUtf8()).object());
    });
}

void Client::open(quint16 port, const QString &session, const QString &user, const QByteArray &capabilities)
{
    openPath(port,
             QStringLiteral("/ws/") + QString::fromLatin1(QUrl::toPercentEncoding(session)) + QLatin1Char('/')
                 + QString::fromLatin1(QUrl::toPercentEncoding(user)),
             capabilities);
}

void Client::openPath(quint16 port, const QString &path, const QByteArray &capabilities)
{
    QUrl url;
    url.setScheme(QStringLiteral("ws"));
    url.setHost(QStringLiteral("127.0.0.1"));
    url.setPort(port);
    url.setPath(path, QUrl::StrictMode);
    QNetworkRequest request(url);
    if (!capabilities.isNull())
        request.setRawHeader("X-Optiverse-Capabilities", capabilities);
    socket.open(request);
}

bool Client::waitConnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return connected && !ack().isEmpty(); }, timeoutMs);
}

bool Client::waitDisconnected(int timeoutMs)
{
    return QTest::qWaitFor([this] { return disconnected; }, timeoutMs);
}

bool Client::waitFor(const QString &type, int count, int timeoutMs)
{
    return QTest::qWaitFor([&] { return this->count(type) >= count; }, timeoutMs);
}

void Client::send(const QJsonObject &message)
{
    socket.sendTextMessage(QString::fromUtf8(QJsonDocument(message).toJson(QJsonDocument::Compact)));
}

void Client::sendText(const QString &text) { socket.sendTextMessage(text); }

QList<QJsonObject> Client::ofType(const QString &type) const
{
    QList<QJsonObject> out;
    for (const QJsonObject &m : messages) {
        if (m.value(QLatin1String("type")).toString() == type)
            out.append(m);
    }
    return out;
}

QJsonObject Client::last(const QString &type) const
{
    for (auto it = messages.crbegin(); it != messages.crend(); ++it) {
        if (it->value(QLatin1String("type")).toString() == type)
            return *it;
    }
    return {};
}

QJsonObject Client::ask(QJsonObject request, int timeoutMs)
{
    const QString id = QString::number(++m_requests);
    request.insert(QLatin1String("request_id"), id);
    send(request);
    QJsonObject reply;
    const bool answered = QTest::qWaitFor([&] {
        for (const QJsonObject &m : std::as_const(messages))
            if (m.value(QLatin1String("request_id")).toString() == id) {
                reply = m;
                return true;
            }
        return false;
    }, timeoutMs);
    if (!answered)
        qWarning() << "no reply to" << request;
    return reply;
}

QList<qint64> Client::commandSeqs() const
{
    QList<qint64> out;
    for (const QJsonObject &m : ofType(QStringLiteral("command")))
        out.append(m.value(QLatin1String("seq")).toInteger(-1));
    return out;
}

RawClient::RawClient(QObject *parent) : QObject(parent)
{
    connect(&socket, &QTcpSocket::readyRead, this, &RawClient::onReadyRead);
    connect(&socket, &QTcpSocket::disconnected, this, [this] { disconnected = true; });
}

void RawClient::open(quint16 port, const QString &path, const QByteArray &extraHeaders)
{
    socket.connectToHost(QStringLiteral("127.0.0.1"), port);
    QByteArray request = "GET " + path.toUtf8() + " HTTP/1.1\r\n"
                         "Host: 127.0.0.1:" + QByteArray::number(port) + "\r\n"
                         "Upgrade: websocket\r\n"
                         "Connection: Upgrade\r\n"
                         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                         "Sec-WebSocket-Version: 13\r\n" + extraHeaders + "\r\n";
    socket.write(request);
}

bool RawClient::waitUpgraded(int timeoutMs)
{
    return QTest::qWaitFor([this] { return upgraded || disconnected; }, timeoutMs) && upgraded;
}

void RawClient::stopReading()
{
    m_reading = false;
    socket.setReadBufferSize(1024);
    socket.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 4096);
}

void RawClient::onReadyRead()
{
    if (!m_reading)
        return;
    m_buffer += socket.readAll();
    if (!upgraded) {
        const int end = int(m_buffer.indexOf("\r\n\r\n"));
        if (end < 0)
            return;
        response = m_buffer.left(end + 4);
        m_buffer.remove(0, end + 4);
        upgraded = response.startsWith("HTTP/1.1 101");
    }
    parseFrames();
}

void RawClient::parseFrames()
{
    WsFrame frame;
    while (WsFrame::take(m_buffer, &frame)) {
        const quint8 opcode = frame.opcode;
        const QByteArray &payload = frame.payload;
        if (opcode == 0x1) {
            texts.append(payload);
        } else if (opcode == 0x8) {
            if (payload.size() >= 2) {
                closeCode = qFromBigEndian<quint16>(reinterpret_cast<const uchar *>(payload.constData()));
                closeReason = QString::fromUtf8(payload.mid(2));
            } else {
                closeCode = 1005;
            }
        } else if (opcode == 0x9 && autoPong) {
            sendFrame(0xA, payload);
        }
    }
}

void RawClient::sendFrame(quint8 opcode, const QByteArray &payload)
{
    QByteArray frame;
    frame.append(char(0x80 | opcode));
    const qsizetype n = payload.size();
    if (n < 126) {
        frame.append(char(0x80 | n));
    } else if (n < 65536) {
        frame.append(char(0x80 | 126));
        frame.append(char((n >> 8) & 0xFF));
        frame.append(char(n & 0xFF));
    } else {
        frame.append(char(0x80 | 127));
        for (int i = 7; i >= 0; --i)
            frame.append(char((quint64(n) >> (8 * i)) & 0xFF));
    }
    frame.append(4, '\0'); // masking key 0: payload stays as is
    frame.append(payload);
    socket.write(frame);
}

void RawClient::sendText(const QByteArray &utf8) { sendFrame(0x1, utf8); }

void RawClient::sendBinary(const QByteArray &data) { sendFrame(0x2, data); }

QJsonObject command(const QString &action, const QString &itemId, const QJsonObject &data, const QString &itemType,
                    qint64 clientSeq)
{
    QJsonObject cmd{{QLatin1String("action"), action},
                    {QLatin1String("item_type"), itemType},
                    {QLatin1String("item_id"), itemId},
                    {QLatin1String("data"), data}};
    QJsonObject o{{QLatin1String("type"), QLatin1String("command")},
                  {QLatin1String("user_id"), QLatin1String("someone")},
                  {QLatin1String("timestamp"), QLatin1String("2025-10-28T12:34:56")},
                  {QLatin1String("command"), cmd}};
    if (clientSeq >= 0)
        o.insert(QLatin1String("client_seq"), clientSeq);
    return o;
}

QJsonObject parseObject(const QByteArray &utf8) { return QJsonDocument::fromJson(utf8).object(); }

} // namespace TestSupport
