// SPDX-License-Identifier: MIT
#include "ServerSession.h"

#include "ClientConnection.h"
#include "HistoryRequest.h"
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"
#include "ServerConfig.h"
#include "ServerLog.h"
#include "SessionStore.h"

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QUuid>
#include <QWebSocket>

#include <algorithm>

namespace Optiverse::Collab {

namespace {
constexpr qint64 PresenceDropBytes = 64 * 1024;

QString utf8Text(const QJsonObject &object)
{
    return QString::fromUtf8(MessageFactory::toBytes(object));
}
} // namespace

ServerSession::ServerSession(const QString &id, const ServerConfig &config, SessionStore *store, QObject *parent)
    : QObject(parent), m_id(id), m_config(config), m_store(store)
{
    m_idleTimer.setSingleShot(true);
    m_idleTimer.setInterval(qMax(0, config.idleUnloadMs));
    connect(&m_idleTimer, &QTimer::timeout, this, [this] {
        if (m_members.isEmpty())
            emit idle(this);
    });
    m_heldSyncTimer.setSingleShot(true);
    connect(&m_heldSyncTimer, &QTimer::timeout, this, [this] { answerHeldSyncRequests(nullptr, true); });
    m_clock.start();
    m_log.setCheckpointInterval(config.historyCheckpointInterval);
}

ServerSession::~ServerSession() = default;

bool ServerSession::load(QString *error)
{
    if (!m_store)
        return true;
    QList<StateItem> items;
    QList<SessionStore::HistoryEntry> history;
    QStringList removed;
    if (!m_store->load(m_id, &items, &m_seq, &history, &removed, error))
        return false;
    m_state.load(items, removed);
    {
        // The history walks back from the stored scene through the stored
        // operations (each carries the values it replaced).
        HistoryScene head;
        for (const StateItem &item : std::as_const(items))
            head.insert(item.id, item);
        std::vector<HistoryOperation> operations;
        QList<OperationLog::Version> versions;
        if (!m_store->loadOperations(m_id, &operations, &versions, error))
            return false;
        m_log.resetFromHead(m_seq, head, std::move(operations));
        m_log.setVersions(versions);
        compactOldHistory();
    }
    for (SessionStore::HistoryEntry &entry : history)
        m_history.push_back({entry.seq, std::move(entry.message)});
    while (m_history.size() > size_t(qMax(0, m_config.historyLength)))
        m_history.pop_front();
    if (!items.isEmpty() || m_seq > 0)
        qCInfo(lcServer).noquote() << "Loaded session" << m_id << "with" << items.size() << "items at seq" << m_seq;
    return true;
}

bool ServerSession::isFull() const
{
    return m_members.size() >= qMax(1, m_config.maxUsersPerSession);
}

int ServerSession::freeColorIndex() const
{
    // The smallest slot no member holds: a user keeps theirs while present,
    // and the first dozen users of a session get the dozen palette colours.
    QList<int> taken;
    taken.reserve(m_members.size());
    for (const ClientConnection *c : m_members)
        taken.append(c->colorIndex());
    int index = 0;
    while (taken.contains(index))
        ++index;
    return index;
}

QString ServerSession::uniqueUserId(const QString &requestedName) const
{
    auto taken = [this](const QString &id) {
        for (const ClientConnection *c : m_members) {
            if (c->userId() == id)
                return true;
        }
        return false;
    };
    if (!taken(requestedName))
        return requestedName;
    for (int n = 2;; ++n) {
        const QString candidate = requestedName + QLatin1Char('-') + QString::number(n);
        if (!taken(candidate))
            return candidate;
    }
}

void ServerSession::join(ClientConnection *connection, const QString &requestedName)
{
    m_idleTimer.stop();
    const QString userId = uniqueUserId(requestedName);
    connection->setIdentity(userId, requestedName);
    connection->setSession(this);
    connection->setJoinOrder(++m_joinCounter);
    connection->setColorIndex(freeColorIndex());
    m_members.append(connection);
    if (!m_host)
        m_host = connection;
    const bool isHost = m_host == connection;

    QList<MessageFactory::AckUser> users;
    users.reserve(m_members.size());
    for (const ClientConnection *c : std::as_const(m_members))
        users.append({c->userId(), c->displayName(), c == m_host, c->colorIndex()});
    connection->send(QString::fromUtf8(MessageFactory::connectionAck(
        m_id, userId, requestedName, isHost, users, m_seq,
        {m_config.maxMessagesPerSecond, m_config.burst, m_config.maxMessageBytes,
         qMax(m_config.maxMessageBytes, m_config.maxStateBytes)})));
    // Original clients expect the scene pushed on join; capable ones ask.
    if (!connection->hasSeq() && !m_state.isEmpty())
        sendState(connection);
    updateMessageLimits();

    broadcast(QString::fromUtf8(MessageFactory::userJoined(userId, requestedName, isHost, connection->colorIndex())), connection);
    // Original hosts told of this join push their canvas now: held requests
    // wait for that push, briefly.
    bool armed = false;
    for (HeldSync &held : m_heldSync) {
        if (held.deadlineMs < 0 && held.connection != connection) {
            held.deadlineMs = m_clock.elapsed() + OriginalPushWaitMs;
            armed = true;
        }
    }
    if (armed && !m_heldSyncTimer.isActive())
        m_heldSyncTimer.start(OriginalPushWaitMs);
    qCInfo(lcServer).noquote() << "User" << userId << "joined session" << m_id << (isHost ? "as host" : "")
                               << (connection->isOriginal() ? "(original client)" : "") << "-"
                               << m_members.size() << "user(s)";
}

void ServerSession::leave(ClientConnection *connection)
{
    if (!m_members.removeOne(connection))
        return;
    releaseHeldSync(connection);
    connection->setSession(nullptr);
    qCInfo(lcServer).noquote() << "User" << connection->userId() << "left session" << m_id << "-"
                               << m_members.size() << "user(s)";
    broadcast(QString::fromUtf8(MessageFactory::userLeft(connection->userId())), nullptr);
    if (m_host == connection) {
        m_host = m_members.isEmpty() ? nullptr : m_members.first();
        if (m_host) {
            qCInfo(lcServer).noquote() << "User" << m_host->userId() << "is now the host of session" << m_id;
            broadcast(QString::fromUtf8(MessageFactory::hostChanged(m_host->userId())), nullptr);
        }
    }
    updateMessageLimits();
    if (m_members.isEmpty()) {
        m_log.checkpointHead(); // the scene everyone left, rebuilt at once
        compactOldHistory();
    }
    if (m_members.isEmpty() && m_store)
        m_idleTimer.start();
}

void ServerSession::closeAll(int code, const QString &reason)
{
    const auto members = m_members;
    for (ClientConnection *c : members)
        c->closeWith(QWebSocketProtocol::CloseCode(code), reason);
}

void ServerSession::broadcast(const QString &text, ClientConnection *except)
{
    const auto members = m_members; // a send may disconnect a slow reader
    for (ClientConnection *c : members) {
        if (c != except)
            c->send(text);
    }
}

void ServerSession::updateMessageLimits()
{
    // Only a state push may be large, and only those who may push one get
    // the larger limit: the host, or anyone while there is nothing to replace.
    const qint64 small = m_config.maxMessageBytes;
    const qint64 large = qMax(small, m_config.maxStateBytes);
    for (ClientConnection *c : std::as_const(m_members))
        c->setMessageLimit(c == m_host || m_state.isEmpty() ? large : small);
}

void ServerSession::sendError(ClientConnection *to, const QString &code, const QString &message)
{
    to->sendBytes(MessageFactory::error(code, message));
}

void ServerSession::handleText(ClientConnection *from, const QString &text)
{
    Message message;
    QString error;
    const QByteArray utf8 = text.toUtf8();
    if (!Message::parse(utf8, &message, &error)) {
        // History requests are extension types Message does not know: only
        // the (rare) messages it refuses are looked at again.
        if (error.startsWith(QLatin1String("unknown message type \"history:"))) {
            const QJsonObject json = QJsonDocument::fromJson(utf8).object();
            if (HistoryRequest::isHistoryType(json)) {
                handleHistory(from, json);
                return;
            }
        }
        qCDebug(lcServer).noquote() << "Invalid message from" << from->userId() << ":" << error;
        sendError(from, Protocol::ErrorInvalidMessage, error);
        return;
    }
    if (utf8.size() > m_config.maxMessageBytes && message.type() != Message::Type::SyncFullState) {
        sendError(from, Protocol::ErrorMessageTooLarge,
                  QStringLiteral("%1 bytes; only a sync:full_state may exceed %2 bytes")
                      .arg(utf8.size()).arg(m_config.maxMessageBytes));
        return;
    }
    switch (message.type()) {
    case Message::Type::Command:
        handleCommand(from, message, utf8);
        break;
    case Message::Type::Ping:
        from->sendBytes(MessageFactory::pong());
        break;
    case Message::Type::Pong:
        break;
    case Message::Type::SyncRequest:
        handleSyncRequest(from, message.since());
        break;
    case Message::Type::SyncFullState:
        handleFullState(from, message);
        break;
    case Message::Type::Presence:
        handlePresence(from, message);
        break;
    case Message::Type::ConnectionAck:
    case Message::Type::UserJoined:
    case Message::Type::UserLeft:
    case Message::Type::Error:
    case Message::Type::CommandRejected:
    case Message::Type::SyncCaughtUp:
    case Message::Type::HostChanged:
        sendError(from, Protocol::ErrorInvalidMessage,
                  QStringLiteral("\"%1\" is sent by the server, not to it")
                      .arg(message.json().value(Protocol::FieldType).toString()));
        break;
    }
}

void ServerSession::handleCommand(ClientConnection *from, const Message &message, const QByteArray &utf8)
{
    const Command &command = message.command();
    SessionModel::Change change;
    QString reason;
    if (!m_state.prepare(command, &change, &reason)) {
        qCDebug(lcServer).noquote() << "Rejected" << Command::actionName(command.action) << command.itemId << "from"
                                    << from->userId() << ":" << reason;
        if (from->hasSeq()) {
            from->sendBytes(MessageFactory::commandRejected(message.clientSeq(), command.itemId, reason));
            return;
        }
        sendError(from, Protocol::ErrorCommandRejected,
                  QStringLiteral("%1 of item %2 rejected: %3")
                      .arg(Command::actionName(command.action), command.itemId, reason));
        if (reason == Protocol::RejectItemRemoved) {
            // Original clients ignore errors: take the item off its canvas as
            // the removal did everywhere else.
            Command removal;
            removal.action = Command::Action::Remove;
            removal.itemId = command.itemId;
            removal.itemType = command.itemType;
            from->sendBytes(MessageFactory::toBytes(MessageFactory::command(from->userId(), removal)));
        }
        return;
    }
    const qint64 next = m_seq + 1;
    // An edit taken as the item's creation is relayed as the add it is, so
    // that every peer, original or ours, creates the item.
    const bool becameAdd = change.created && command.action != Command::Action::Add;
    QString text;
    QJsonObject relayedCommand; // for the history
    if (becameAdd) {
        Command add = command;
        add.action = Command::Action::Add;
        add.changedKeys.clear();
        QJsonObject relayed = MessageFactory::command(from->userId(), add, message.clientSeq());
        relayed.insert(Protocol::FieldSeq, next);
        text = utf8Text(relayed);
        relayedCommand = relayed.value(QLatin1String("command")).toObject();
    } else {
        text = relayedText(message, utf8, from->userId(), next);
        relayedCommand = message.commandJson();
    }
    if (!recordChange(change, makeOperation(next, from->userId(), relayedCommand), text)) {
        // With the command's client_seq: our client keeps it and sends it again.
        from->sendBytes(MessageFactory::error(Protocol::ErrorStorageFailed,
                                              QStringLiteral("the server could not store the change"),
                                              message.clientSeq()));
        return;
    }
    qCDebug(lcServer).noquote() << "seq" << m_seq << Command::actionName(command.action) << command.itemId << "from"
                                << from->userId() << (becameAdd ? "(added: the session did not have it)" : "");
    const auto members = m_members;
    for (ClientConnection *c : members) {
        if (c != from || c->hasSeq())
            c->send(text);
    }
    // The session has a canvas now. Not the sender's own held request: an
    // original host moving one item of its canvas has not shared the rest.
    if (!m_heldSync.isEmpty())
        answerHeldSyncRequests(from, false);
}

bool ServerSession::recordChange(const SessionModel::Change &change, HistoryOperation op, const QString &text)
{
    const QString &id = change.item.id;
    const StateItem *after = change.remove ? nullptr : &change.item;
    const auto before = [this, &id]() -> const StateItem * {
        const auto it = m_log.head().constFind(id);
        return it == m_log.head().cend() ? nullptr : &*it;
    };
    op.changes = {change.created || change.remove ? HistoryOperation::diff(id, before(), after)
                                                  : HistoryOperation::propertyChange(id, change.item.type, change.properties)};
#ifndef QT_NO_DEBUG // what the model reports writing is the whole difference
    const HistoryOperation::ItemChange full = HistoryOperation::diff(id, before(), after);
    Q_ASSERT(op.changes.constFirst().beforeObject() == full.beforeObject()
             && op.changes.constFirst().afterObject() == full.afterObject());
#endif
    if (m_store) {
        QString error;
        const QByteArray stored = storedForm(op);
        const bool ok = change.remove ? m_store->removeItem(m_id, id, op.seq, text, &error, stored)
                                      : m_store->putItem(m_id, change.item, op.seq, text, &error, change.wasRemoved, stored);
        if (!ok)
            return false;
    }
    const bool wasEmpty = m_state.isEmpty();
    m_seq = op.seq;
    m_log.append(std::move(op), after);
    m_state.commit(change);
    if (wasEmpty != m_state.isEmpty())
        updateMessageLimits();
    if (m_config.historyLength > 0) {
        m_history.push_back({m_seq, text});
        while (m_history.size() > size_t(m_config.historyLength))
            m_history.pop_front();
    }
    return true;
}

QString ServerSession::relayedText(const Message &message, const QByteArray &utf8, const QString &userId,
                                   qint64 seq) const
{
    // Usually the sender already names itself correctly: then the relayed
    // message is its own bytes plus the seq, which saves a JSON
    // serialisation (half of the server's work per command).
    const QJsonObject &json = message.json();
    if (!json.contains(Protocol::FieldSeq) && json.value(Protocol::FieldUserId).toString() == userId) {
        const QByteArrayView body = QByteArrayView(utf8).trimmed();
        if (body.endsWith('}')) { // a valid command is a non-empty object
            QByteArray spliced;
            spliced.reserve(body.size() + 32);
            spliced.append(body.chopped(1)).append(",\"seq\":").append(QByteArray::number(seq)).append('}');
            return QString::fromUtf8(spliced);
        }
    }
    QJsonObject relayed = json;
    relayed.insert(Protocol::FieldSeq, seq);
    relayed.insert(Protocol::FieldUserId, userId);
    return utf8Text(relayed);
}

void ServerSession::handleSyncRequest(ClientConnection *from, qint64 since)
{
    if (!from->hasSeq() && from->stateSent()) {
        // An original client asks once per connection, right after the ack.
        // It has the scene already, and every change since as a command: a
        // second copy would make it clear and rebuild its canvas again, and
        // lose a local edit made in between.
        return;
    }
    if (!from->hasSeq() && holdsSyncRequests()) {
        holdSyncRequest(from);
        return;
    }
    if (since >= 0 && since <= m_seq) {
        const bool covered = since == m_seq || (!m_history.empty() && m_history.front().seq <= since + 1);
        if (covered) {
            if (since < m_seq) {
                for (size_t i = size_t(since + 1 - m_history.front().seq); i < m_history.size(); ++i) {
                    if (!from->send(m_history[i].text))
                        return;
                }
            }
            from->sendBytes(MessageFactory::caughtUp(m_seq));
            return;
        }
    }
    sendState(from);
}

void ServerSession::holdSyncRequest(ClientConnection *from)
{
    // An original client clears its canvas on any sync:full_state, even an
    // empty one, and asks for one after every connect: an original host
    // sharing its canvas would wipe it with the answer. So, while the session
    // never had items, the answer waits for the host's canvas: it pushes it
    // to every joiner (so it is told of the longest-connected member, who is
    // indeed there), and client-role originals, which do not push, get the
    // answer a second later. Any change by someone else answers at once.
    for (const HeldSync &held : std::as_const(m_heldSync))
        if (held.connection == from)
            return;
    ClientConnection *other = nullptr;
    for (ClientConnection *c : std::as_const(m_members)) {
        if (c != from) {
            other = c;
            break;
        }
    }
    qint64 deadline = -1;
    if (other) {
        from->sendBytes(MessageFactory::userJoined(other->userId(), other->displayName(), other == m_host,
                                                   other->colorIndex()));
        deadline = m_clock.elapsed() + OriginalPushWaitMs;
        if (!m_heldSyncTimer.isActive())
            m_heldSyncTimer.start(OriginalPushWaitMs);
    }
    m_heldSync.append({from, deadline});
    qCDebug(lcServer).noquote() << "Holding" << from->userId() << "'s sync:request until the session has a canvas";
}

bool ServerSession::releaseHeldSync(ClientConnection *connection)
{
    for (qsizetype i = 0; i < m_heldSync.size(); ++i) {
        if (m_heldSync.at(i).connection == connection) {
            m_heldSync.removeAt(i);
            return true;
        }
    }
    return false;
}

void ServerSession::answerHeldSyncRequests(ClientConnection *except, bool onlyExpired)
{
    const qint64 now = m_clock.elapsed();
    qint64 next = -1;
    const QList<HeldSync> held = std::exchange(m_heldSync, {});
    for (const HeldSync &h : held) {
        const bool due = !onlyExpired || (h.deadlineMs >= 0 && h.deadlineMs <= now);
        if (h.connection == except || !due) {
            m_heldSync.append(h);
            if (h.deadlineMs >= 0 && (next < 0 || h.deadlineMs < next))
                next = h.deadlineMs;
            continue;
        }
        sendState(h.connection);
    }
    if (next >= 0)
        m_heldSyncTimer.start(int(std::max<qint64>(1, next - now)));
}

void ServerSession::handleFullState(ClientConnection *from, const Message &message)
{
    // Merged, never replaced (SessionModel::merge): a push is a snapshot of
    // unknown age, and original hosts push on every join.
    SessionModel merged = m_state;
    const SessionModel::MergeResult result = merged.merge(message.items());
    if (!result.changed.isEmpty()) {
        const qint64 next = m_seq + 1;
        QList<HistoryOperation::ItemChange> changes;
        for (const StateItem &item : result.changed) {
            const auto before = m_log.head().constFind(item.id);
            changes.append(HistoryOperation::diff(item.id, before == m_log.head().cend() ? nullptr : &*before, &item));
        }
        HistoryOperation op = makeOperation(next, from->userId(), {}, changes);
        op.statePush = true;
        if (m_store) {
            QString error;
            if (!m_store->replaceAll(m_id, merged.items(), next, &error, storedForm(op))) {
                sendError(from, Protocol::ErrorStorageFailed, QStringLiteral("the server could not store the state"));
                return;
            }
        }
        m_state = std::move(merged);
        m_seq = next;
        m_log.append(std::move(op));
        m_history.clear(); // commands before a pushed state are not replayed
        updateMessageLimits();
        qCInfo(lcServer).noquote() << "Session" << m_id << "took" << result.changed.size() << "item(s) from"
                                   << from->userId() << "'s state:" << m_state.size() << "items (seq" << m_seq << ")";
        const auto members = m_members;
        for (ClientConnection *c : members)
            if (c != from)
                sendState(c);
    }
    m_pushSeen = true;
    const bool wasHeld = releaseHeldSync(from);
    if (!result.changed.isEmpty())
        m_heldSync.erase(std::remove_if(m_heldSync.begin(), m_heldSync.end(),
                                        [from](const HeldSync &h) { return h.connection != from; }),
                         m_heldSync.end()); // the broadcast answered them
    if (result.differsFromPush || wasHeld) {
        // The pusher shows what the session no longer has, or lacks what it
        // has: it gets the session's scene.
        sendState(from);
    }
    if (!m_heldSync.isEmpty())
        answerHeldSyncRequests(from, false);
    if (from->hasSeq())
        from->sendBytes(MessageFactory::caughtUp(m_seq));
}

void ServerSession::handlePresence(ClientConnection *from, const Message &message)
{
    QJsonObject relayed = message.json();
    relayed.insert(Protocol::FieldUserId, from->userId());
    relayed.remove(Protocol::FieldSeq);
    QString text;
    const auto members = m_members;
    for (ClientConnection *c : members) {
        if (c == from || !c->hasPresence() || c->pendingBytes() > PresenceDropBytes)
            continue;
        if (text.isEmpty())
            text = utf8Text(relayed);
        c->send(text);
    }
}

void ServerSession::sendState(ClientConnection *to)
{
    to->send(fullStateText());
    to->setStateSent();
}

QString ServerSession::fullStateText() const
{
    if (m_fullStateCacheSeq == m_seq && !m_fullStateCache.isEmpty())
        return m_fullStateCache;
    m_fullStateCache = QString::fromUtf8(MessageFactory::fullState(m_state.items(), m_seq, {}, true));
    m_fullStateCacheSeq = m_seq;
    return m_fullStateCache;
}

// --- Session history (issue 13) ---------------------------------------------

HistoryOperation ServerSession::makeOperation(qint64 seq, const QString &userId, const QJsonObject &command,
                                              const QList<HistoryOperation::ItemChange> &changes) const
{
    HistoryOperation op;
    op.seq = seq;
    op.userId = userId;
    op.timeMs = QDateTime::currentMSecsSinceEpoch();
    op.command = command;
    op.changes = changes;
    return op;
}

QByteArray ServerSession::storedForm(const HistoryOperation &op) const
{
    return m_store ? QJsonDocument(op.toJson()).toJson(QJsonDocument::Compact) : QByteArray();
}

bool ServerSession::mayRewrite(ClientConnection *from) const
{
    switch (m_config.historyRestore) {
    case ServerConfig::HistoryPermission::All: return true;
    case ServerConfig::HistoryPermission::Host: return from == m_host;
    case ServerConfig::HistoryPermission::None: return false;
    }
    return false;
}

void ServerSession::compactOldHistory()
{
    if (m_config.historyMaxAgeDays <= 0)
        return;
    const qint64 cutoff = QDateTime::currentMSecsSinceEpoch() - qint64(m_config.historyMaxAgeDays) * 86400000;
    const qint64 through = m_log.lastSeqBefore(cutoff);
    if (through <= m_log.baseSeq())
        return;
    HistoryScene base;
    m_log.sceneAt(through, &base);
    QString error;
    if (m_store && !m_store->compact(m_id, through, base.values(), &error))
        return; // kept: the next leave tries again
    m_log.compactThrough(through);
    qCInfo(lcServer).noquote() << "Session" << m_id << ": history up to seq" << through << "compacted into a checkpoint";
}

void ServerSession::sendHistoryError(ClientConnection *to, const QString &requestId, const QString &code,
                                     const QString &message)
{
    QJsonObject e{{QLatin1String("type"), Protocol::TypeError},
                  {QLatin1String("code"), code},
                  {QLatin1String("message"), message}};
    if (!requestId.isEmpty())
        e.insert(QLatin1String("request_id"), requestId);
    to->send(utf8Text(e));
}

int ServerSession::applyGroup(ClientConnection *by, const QList<Command> &commands, const QJsonObject &group)
{
    int applied = 0;
    for (const Command &command : commands) {
        SessionModel::Change change;
        QString reason;
        if (!m_state.prepare(command, &change, &reason)) {
            qCWarning(lcServer).noquote() << "history: skipped" << Command::actionName(command.action)
                                          << command.itemId << ":" << reason;
            continue;
        }
        const qint64 next = m_seq + 1;
        QJsonObject relayed = MessageFactory::command(by->userId(), command);
        relayed.insert(QLatin1String("seq"), next);
        relayed.insert(Protocol::FieldHistoryGroup, group);
        const QString text = utf8Text(relayed);
        HistoryOperation op = makeOperation(next, by->userId(), relayed.value(QLatin1String("command")).toObject());
        op.group = group;
        if (!recordChange(change, std::move(op), text))
            break; // what is applied stays a consistent prefix
        broadcast(text, nullptr);
        ++applied;
    }
    updateMessageLimits();
    return applied;
}

void ServerSession::handleHistory(ClientConnection *from, const QJsonObject &json)
{
    HistoryRequest request;
    QString error;
    if (!HistoryRequest::fromJson(json, &request, &error)) {
        sendHistoryError(from, json.value(QLatin1String("request_id")).toString().left(64),
                         QStringLiteral("invalid_message"), error);
        return;
    }
    if (!from->hasSeq()) {
        sendHistoryError(from, request.requestId, QStringLiteral("history_unsupported"),
                         QStringLiteral("the session history needs a client declaring the \"seq\" capability"));
        return;
    }
    auto reply = [&](QJsonObject o) {
        if (!request.requestId.isEmpty())
            o.insert(QLatin1String("request_id"), request.requestId);
        from->send(utf8Text(o));
    };
    auto outOfRange = [&] {
        sendHistoryError(from, request.requestId, QStringLiteral("history_out_of_range"),
                         QStringLiteral("seq %1 is not in this session's history (%2 to %3)")
                             .arg(request.seq).arg(m_log.baseSeq()).arg(m_log.headSeq()));
    };
    auto versionsJson = [this] {
        QJsonArray list;
        for (const OperationLog::Version &v : m_log.versions())
            list.append(QJsonObject{{QLatin1String("seq"), v.seq},
                                    {QLatin1String("name"), v.name},
                                    {QLatin1String("user_id"), v.userId},
                                    {QLatin1String("time_ms"), v.timeMs}});
        return list;
    };
    switch (request.kind) {
    case HistoryRequest::Kind::Page: {
        OperationLog::PageQuery query;
        query.beforeSeq = request.beforeSeq;
        query.limit = request.limit;
        query.userId = request.filterUser;
        query.itemId = request.filterItem;
        qint64 nextBefore = -1;
        QJsonArray entries;
        constexpr int MaxChangesPerEntry = 50; // a state push may touch thousands of items
        for (const HistoryOperation *op : m_log.page(query, &nextBefore)) {
            QJsonObject entry = op->toJson();
            if (const OperationLog::Conflict c = m_log.conflictOf(op->seq); c.seq >= 0) {
                QJsonObject conflict{{QLatin1String("seq"), c.seq},
                                     {QLatin1String("user_id"), c.userId},
                                     {QLatin1String("item_id"), c.itemId}};
                if (!c.keys.isEmpty())
                    conflict.insert(QLatin1String("keys"), QJsonArray::fromStringList(c.keys));
                entry.insert(QLatin1String("conflict"), conflict);
            }
            if (op->changes.size() > MaxChangesPerEntry) {
                QJsonArray changes = entry.value(QLatin1String("changes")).toArray();
                while (changes.size() > MaxChangesPerEntry)
                    changes.removeLast();
                entry.insert(QLatin1String("changes"), changes);
                entry.insert(QLatin1String("changes_total"), op->changes.size());
            }
            entries.append(entry);
        }
        reply(QJsonObject{{QLatin1String("type"), Protocol::TypeHistoryPage},
                          {QLatin1String("entries"), entries},
                          {QLatin1String("next_before_seq"), nextBefore},
                          {QLatin1String("base_seq"), m_log.baseSeq()},
                          {QLatin1String("head_seq"), m_log.headSeq()},
                          {QLatin1String("versions"), versionsJson()}});
        return;
    }
    case HistoryRequest::Kind::SceneAt: {
        HistoryScene scene;
        if (!m_log.sceneAt(request.seq, &scene))
            return outOfRange();
        QJsonArray items;
        for (const StateItem &item : std::as_const(scene))
            items.append(item.toJson());
        reply(QJsonObject{{QLatin1String("type"), Protocol::TypeHistoryScene},
                          {QLatin1String("seq"), request.seq},
                          {QLatin1String("state"), QJsonObject{{QLatin1String("items"), items}}}});
        return;
    }
    case HistoryRequest::Kind::Restore:
    case HistoryRequest::Kind::Revert: {
        const bool restore = request.kind == HistoryRequest::Kind::Restore;
        if (!mayRewrite(from)) {
            sendHistoryError(from, request.requestId, QStringLiteral("history_forbidden"),
                             m_config.historyRestore == ServerConfig::HistoryPermission::Host
                                 ? QStringLiteral("only the host may restore or revert in this session")
                                 : QStringLiteral("restoring and reverting are turned off on this server"));
            return;
        }
        QList<Command> commands;
        QJsonArray skipped;
        if (restore) {
            HistoryScene target;
            if (!m_log.sceneAt(request.seq, &target))
                return outOfRange();
            commands = OperationLog::diffCommands(m_log.head(), target);
        } else if (!m_log.revertCommands(request.seq, &commands, &skipped, &error)) {
            sendHistoryError(from, request.requestId, QStringLiteral("history_out_of_range"), error);
            return;
        }
        QJsonObject group{{QLatin1String("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                          {QLatin1String("kind"), restore ? QLatin1String("restore") : QLatin1String("revert")},
                          {QLatin1String("target_seq"), request.seq},
                          {QLatin1String("count"), commands.size()}};
        if (const HistoryOperation *target = m_log.find(request.seq))
            group.insert(QLatin1String("target_time_ms"), target->timeMs);
        const qint64 first = m_seq + 1;
        const int applied = applyGroup(from, commands, group);
        qCInfo(lcServer).noquote() << "User" << from->userId() << (restore ? "restored session" : "reverted in session")
                                   << m_id << "seq" << request.seq << "-" << applied << "command(s)";
        QJsonObject done{{QLatin1String("type"), Protocol::TypeHistoryDone},
                         {QLatin1String("action"), restore ? QLatin1String("restore") : QLatin1String("revert")},
                         {QLatin1String("target_seq"), request.seq},
                         {QLatin1String("group"), group},
                         {QLatin1String("applied"), applied},
                         {QLatin1String("first_seq"), applied > 0 ? first : -1},
                         {QLatin1String("last_seq"), applied > 0 ? m_seq : -1},
                         {QLatin1String("skipped"), skipped}};
        if (applied < commands.size())
            done.insert(QLatin1String("incomplete"), true);
        reply(done);
        return;
    }
    case HistoryRequest::Kind::Name: {
        if (request.seq < m_log.baseSeq() || request.seq > m_log.headSeq())
            return outOfRange();
        const OperationLog::Version version{request.seq, request.name, from->userId(),
                                            QDateTime::currentMSecsSinceEpoch()};
        if (m_store && !m_store->putVersion(m_id, version, &error)) {
            sendHistoryError(from, request.requestId, QStringLiteral("storage_failed"),
                             QStringLiteral("the server could not store the name"));
            return;
        }
        m_log.addVersion(version);
        QJsonObject versions{{QLatin1String("type"), Protocol::TypeHistoryVersions},
                             {QLatin1String("versions"), versionsJson()}};
        const QString text = utf8Text(versions);
        const auto members = m_members;
        for (ClientConnection *c : members)
            if (c->hasSeq() && c != from)
                c->send(text);
        reply(versions);
        return;
    }
    }
}

} // namespace Optiverse::Collab
