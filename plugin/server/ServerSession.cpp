// SPDX-License-Identifier: MIT
#include "ServerSession.h"

#include "ClientConnection.h"
#include "ColorSlot.h"
#include "HistoryBudget.h"
#include "ItemRecovery.h"
#include "JsonStorage.h"
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"
#include "ServerConfig.h"
#include "ServerLog.h"
#include "SessionStore.h"
#include "TextFrame.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QPointer>
#include <QThreadPool>
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
    m_historyQueueTimer.setSingleShot(true);
    connect(&m_historyQueueTimer, &QTimer::timeout, this, &ServerSession::runQueuedHistory);
}

ServerSession::~ServerSession()
{
    if (m_budget)
        m_budget->remove(this, m_reportedBytes);
}

void ServerSession::setHistoryLimits(HistoryBudget *budget, CostBucket *serverCost, QThreadPool *serializer)
{
    m_serializer = serializer;
    if (m_budget)
        m_budget->remove(this, m_reportedBytes);
    m_reportedBytes = 0;
    m_budget = budget;
    m_serverCost = serverCost;
    if (m_budget) {
        m_budget->add(this);
        reportHistoryBytes();
    }
}

void ServerSession::reportHistoryBytes()
{
    if (!m_budget)
        return;
    const qint64 now = historyBytes();
    const qint64 delta = now - m_reportedBytes;
    m_reportedBytes = now;
    if (delta != 0)
        m_budget->changed(delta);
}

void ServerSession::pushResume(qint64 seq, const QString &text)
{
    if (m_config.historyLength <= 0)
        return;
    m_history.push_back({seq, text});
    m_resumeBytes += 2 * text.size() + 48;
    while (!m_history.empty()
           && (m_history.size() > size_t(m_config.historyLength) || m_resumeBytes > m_config.maxResumeBytes)) {
        m_resumeBytes -= 2 * m_history.front().text.size() + 48;
        m_history.pop_front();
    }
}

void ServerSession::trimHistory(qint64 bytes)
{
    // Resume messages first go down to a quarter of what is left: a client
    // gone longer than that gets the state instead, which is always right.
    while (!m_history.empty() && m_resumeBytes > bytes / 4) {
        m_resumeBytes -= 2 * m_history.front().text.size() + 48;
        m_history.pop_front();
    }
    const qint64 through = m_log.seqToFitWithin(bytes - m_resumeBytes);
    if (through > m_log.baseSeq()) {
        const qint64 before = m_log.baseSeq();
        m_log.compactThrough(through);
        if (!m_store) {
            m_forgottenThroughSeq = through;
            m_forgottenBeforeMs = m_log.baseTimeMs();
        }
        qCInfo(lcServer).noquote() << "Session" << m_id << ": history" << before + 1 << "to" << through
                                   << (m_store ? "left memory (kept on disk)" : "forgotten (memory budget)");
    }
    reportHistoryBytes();
}

bool ServerSession::load(QString *error)
{
    if (!m_store)
        return true;
    const QString salvage = QStringLiteral("to copy what can be read into a new data dir, stop the server and run "
                                           "optiverse-collab-server --data-dir %1 --salvage NEWDIR")
                                .arg(m_config.dataDir);
    auto refuse = [&](const QString &why) {
        // The joining client is told why (CollabServer); the operator how to recover.
        qCWarning(lcServer).noquote() << "session" << m_id << ": cannot load:" << why << "-" << salvage;
        *error = why;
        return false;
    };
    QList<StateItem> items;
    QList<StateItem> damaged;
    QList<SessionStore::HistoryEntry> history;
    QStringList removed;
    if (!m_store->load(m_id, &items, &m_seq, &history, &removed, error, &damaged))
        return refuse(*error);
    // The history walks back from the stored scene through the stored
    // operations (each carries the values it replaced).
    qint64 storedBase = 0;
    std::vector<HistoryOperation> operations;
    QList<OperationLog::Version> versions;
    QList<qint64> unreadable;
    if (!m_store->loadBase(m_id, &storedBase, nullptr, error)
        || !m_store->loadOperations(m_id, &operations, &versions, error, &unreadable))
        return refuse(*error);
    // An item whose stored data is damaged comes back as its history left
    // it, or the session does not load: never an empty item in its place.
    for (const StateItem &bad : std::as_const(damaged)) {
        const std::optional<StateItem> rebuilt = ItemRecovery::fromHistory(bad.id, operations, m_seq);
        if (!rebuilt)
            return refuse(QStringLiteral("stored item %1 is damaged and its history cannot rebuild it").arg(bad.id));
        QString ignored; // loaded either way; the next change to it rewrites it
        m_store->repairItem(m_id, *rebuilt, &ignored);
        qCWarning(lcServer).noquote() << "session" << m_id << ": stored item" << bad.id
                                      << "was damaged; rebuilt from its history";
        items.append(*rebuilt);
    }
    m_state.load(items, removed);
    {
        QString ownerId;
        QByteArray ownerHash;
        if (!m_store->loadOwner(m_id, &ownerId, &ownerHash, error))
            return refuse(*error);
        m_owner.set(ownerId, ownerHash);
    }
    {
        HistoryScene head;
        for (const StateItem &item : std::as_const(items))
            head.insert(item.id, item);
        const qint64 firstStored = operations.empty() ? -1 : operations.front().seq;
        m_log.resetFromHead(m_seq, head, std::move(operations), storedBase);
        m_diskFloorSeq = m_log.baseSeq(); // older stored rows are compacted away or beyond a gap
        m_log.setVersions(versions);
        if (const qint64 lost = m_log.lostBeforeSeq(); lost >= 0) {
            const qint64 missing = lost - 1;
            QString why;
            if (unreadable.contains(missing))
                why = QStringLiteral("stored operation %1 is unreadable").arg(missing);
            else if ((firstStored >= 0 && firstStored < missing) || (!unreadable.isEmpty() && unreadable.first() < missing))
                why = QStringLiteral("operation %1 is missing from the store").arg(missing);
            else
                why = QStringLiteral("no operation stored before seq %1: stored before the server kept history, "
                                     "or lost").arg(lost);
            if (!unreadable.isEmpty())
                why += QStringLiteral("; %1 unreadable stored operation(s) skipped").arg(unreadable.size());
            qCWarning(lcServer).noquote() << QStringLiteral("session %1: history before seq %2 is missing (%3); its scene "
                                                            "is intact and the history starts there")
                                                 .arg(m_id).arg(lost).arg(why)
                                          << (unreadable.isEmpty() ? QString() : QStringLiteral("- ") + salvage);
        }
        compactOldHistory();
    }
    for (SessionStore::HistoryEntry &entry : history)
        pushResume(entry.seq, entry.message);
    if (m_store && qint64(m_log.operations().size()) > m_config.historyOpsInMemory)
        m_log.compactThrough(m_log.operations()[m_log.operations().size() - size_t(m_config.historyOpsInMemory)].seq);
    if (!items.isEmpty() || m_seq > 0)
        qCInfo(lcServer).noquote() << "Loaded session" << m_id << "with" << items.size() << "items at seq" << m_seq;
    return true;
}

bool ServerSession::isFull() const
{
    return m_members.size() >= qMax(1, m_config.maxUsersPerSession);
}

int ServerSession::colorIndexFor(const QString &userId) const
{
    // A user's colour follows from their id, so it survives server restarts
    // and does not depend on the join order; only a collision with someone
    // present moves it, and then preferably to a slot no one who was here holds.
    QSet<int> present;
    for (const ClientConnection *c : m_members)
        present.insert(c->colorIndex());
    const int remembered = m_colorSlots.value(userId, -1);
    if (remembered >= 0 && !present.contains(remembered))
        return remembered;
    QSet<int> reserved = present;
    for (auto it = m_colorSlots.cbegin(); it != m_colorSlots.cend(); ++it)
        if (it.key() != userId)
            reserved.insert(it.value());
    const int preferred = ColorSlot::preferred(userId);
    for (const QSet<int> *excluded : {&reserved, &present}) {
        for (int i = 0; i < ColorSlot::PaletteSize; ++i) {
            const int slot = (preferred + i) % ColorSlot::PaletteSize;
            if (!excluded->contains(slot))
                return slot;
        }
    }
    // Every clear hue is held by someone present: the darker rounds.
    int slot = ColorSlot::PaletteSize;
    while (present.contains(slot))
        ++slot;
    return slot;
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

void ServerSession::join(ClientConnection *connection, const QString &requestedName,
                         const QList<MessageFactory::AckSession> &otherSessions)
{
    m_idleTimer.stop();
    const QString userId = uniqueUserId(requestedName);
    connection->setIdentity(userId, requestedName);
    connection->setSession(this);
    connection->setJoinOrder(++m_joinCounter);
    connection->setColorIndex(colorIndexFor(userId));
    if (m_colorSlots.size() >= MaxRememberedColorSlots && !m_colorSlots.contains(userId))
        m_colorSlots.clear(); // who is present keeps their slot; only absent users' memory goes
    m_colorSlots.insert(userId, connection->colorIndex());
    m_members.append(connection);
    if (!m_host)
        m_host = connection;
    const bool isHost = m_host == connection;
    const QString ownerToken = settleOwner(connection);
    const bool isOwner = m_ownerConnection == connection;

    QList<MessageFactory::AckUser> users;
    users.reserve(m_members.size());
    for (const ClientConnection *c : std::as_const(m_members))
        users.append({c->userId(), c->displayName(), c == m_host, c->colorIndex(), c == m_ownerConnection});
    connection->send(QString::fromUtf8(MessageFactory::connectionAck(
        m_id, userId, requestedName, isHost, users, m_seq,
        {m_config.maxMessagesPerSecond, m_config.burst, m_config.maxMessageBytes,
         qMax(m_config.maxMessageBytes, m_config.maxStateBytes)}, ownerToken,
        m_members.size() == 1 ? otherSessions : QList<MessageFactory::AckSession>())));
    // Original clients expect the scene pushed on join; capable ones ask.
    if (!connection->hasSeq() && !m_state.isEmpty())
        sendState(connection);
    updateMessageLimits();

    broadcast(QString::fromUtf8(MessageFactory::userJoined(userId, requestedName, isHost, connection->colorIndex(), isOwner)),
              connection);
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
                               << (ownerToken.isEmpty() ? (isOwner ? "(its owner)" : "") : "(its owner from now on)")
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
    if (m_ownerConnection == connection)
        m_ownerConnection = nullptr; // the token, not the next in line, makes the owner
    if (m_host == connection) {
        m_host = m_members.isEmpty() ? nullptr : m_members.first();
        if (m_host) {
            qCInfo(lcServer).noquote() << "User" << m_host->userId() << "is now the host of session" << m_id;
            broadcast(QString::fromUtf8(MessageFactory::hostChanged(m_host->userId())), nullptr);
        }
    }
    updateMessageLimits();
    m_historyClients.remove(connection);
    if (m_members.isEmpty()) {
        m_log.checkpointHead(); // the scene everyone left, rebuilt at once
        compactOldHistory();
    }
    if (m_members.isEmpty())
        m_idleTimer.start();
}

QString ServerSession::settleOwner(ClientConnection *connection)
{
    const QByteArray &presented = connection->ownerToken();
    if (m_owner.exists()) {
        if (m_owner.isProvenBy(presented)) {
            // Also when the owner's previous connection is still here (a
            // blip the server has not noticed yet): the newest proof wins.
            m_ownerConnection = connection;
            return {};
        }
        if (!presented.isEmpty()) {
            // A stale token (ownership was handed on) or a guess; said once
            // per name so that a client retrying it does not fill the log.
            if (m_wrongOwnerTokenLogged.size() >= 1000)
                m_wrongOwnerTokenLogged.clear(); // names made up by the thousand: bounded anyway
            const bool first = !m_wrongOwnerTokenLogged.contains(connection->displayName());
            m_wrongOwnerTokenLogged.insert(connection->displayName());
            if (first)
                qCInfo(lcServer).noquote() << QStringLiteral("User %1 presented an owner token that is not session %2's: "
                                                             "ignored, not the owner")
                                                  .arg(connection->userId(), m_id);
        }
        return {};
    }
    // An original client could never prove it again: the session waits for
    // a member that keeps the token.
    return connection->canOwn() ? makeOwner(connection) : QString();
}

QString ServerSession::makeOwner(ClientConnection *connection)
{
    const QString token = SessionOwner::makeToken();
    const QByteArray hash = SessionOwner::hashOf(token.toLatin1());
    QString error;
    if (m_store && !m_store->putOwner(m_id, connection->userId(), hash, &error)) {
        qCWarning(lcServer).noquote() << "Session" << m_id << ": cannot store its owner:" << error;
        return {};
    }
    m_owner.set(connection->userId(), hash);
    m_ownerConnection = connection;
    return token;
}

void ServerSession::handleTransferOwner(ClientConnection *from, const QString &userId)
{
    if (!from->canOwn() || from != m_ownerConnection) {
        sendError(from, Protocol::ErrorOwnerForbidden, QStringLiteral("only the session's owner may hand ownership over"));
        return;
    }
    ClientConnection *to = nullptr;
    for (ClientConnection *c : std::as_const(m_members))
        if (c->userId() == userId)
            to = c;
    if (!to || to == from || !to->canOwn()) {
        sendError(from, Protocol::ErrorOwnerForbidden,
                  !to           ? QStringLiteral("%1 is not in this session").arg(userId)
                  : to == from  ? QStringLiteral("you own this session already")
                                : QStringLiteral("%1's application cannot keep ownership").arg(userId));
        return;
    }
    const QString token = makeOwner(to);
    if (token.isEmpty()) {
        sendError(from, Protocol::ErrorStorageFailed, QStringLiteral("the server could not store the new owner"));
        return;
    }
    qCInfo(lcServer).noquote() << "User" << from->userId() << "made" << to->userId() << "the owner of session" << m_id;
    to->sendBytes(MessageFactory::owner(token));
    broadcast(QString::fromUtf8(MessageFactory::ownerChanged(to->userId())), nullptr);
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
        qCDebug(lcServer).noquote() << "Invalid message from" << from->userId() << ":" << error;
        // A refused request is matched to its reply by its request id: the
        // (rare) invalid message that has one is read again for it.
        if (utf8.contains("\"request_id\"")) {
            const QJsonValue id = QJsonDocument::fromJson(utf8).object().value(QLatin1String("request_id"));
            if (id.isString()) {
                sendHistoryError(from, id.toString().left(64), Protocol::ErrorInvalidMessage, error);
                return;
            }
        }
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
    case Message::Type::TransferOwner:
        handleTransferOwner(from, message.userId());
        break;
    case Message::Type::History:
        if (message.isHistoryRequest()) {
            handleHistory(from, message.historyRequest());
            break;
        }
        [[fallthrough]];
    case Message::Type::ConnectionAck:
    case Message::Type::UserJoined:
    case Message::Type::UserLeft:
    case Message::Type::Error:
    case Message::Type::CommandRejected:
    case Message::Type::SyncCaughtUp:
    case Message::Type::HostChanged:
    case Message::Type::Owner:
    case Message::Type::OwnerChanged:
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
    if (!text.isEmpty())
        pushResume(m_seq, text);
    // With a store, older operations are on disk: memory keeps a window,
    // trimmed by a fifth at a time so that trimming is rare.
    if (m_store && qint64(m_log.operations().size()) > m_config.historyOpsInMemory) {
        const qint64 through = m_log.operations()[size_t(m_config.historyOpsInMemory / 5)].seq;
        qCInfo(lcServer).noquote() << "Session" << m_id << ": history" << m_log.baseSeq() + 1 << "to" << through
                                   << "left memory (kept on disk)";
        m_log.compactThrough(through);
    }
    reportHistoryBytes();
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
        m_resumeBytes = 0;
        reportHistoryBytes();
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
    // Framed here from the cached UTF-8: a 10,000-item state sent through
    // QWebSocket is converted and copied again for every member.
    to->send(TextFrame({fullStateUtf8()}));
    to->setStateSent();
}

QByteArray ServerSession::fullStateUtf8() const
{
    if (m_fullStateCacheSeq == m_seq && !m_fullStateCache.isEmpty())
        return m_fullStateCache;
    m_fullStateCache = MessageFactory::fullState(m_state.items(), m_seq, {}, true);
    m_fullStateCacheSeq = m_seq;
    return m_fullStateCache;
}

// --- Session history ---------------------------------------------

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
    // The owner, proven by token: never whoever is left connected longest.
    case ServerConfig::HistoryPermission::Host: return m_ownerConnection && from == m_ownerConnection;
    case ServerConfig::HistoryPermission::None: return false;
    }
    return false;
}

void ServerSession::refuseRewrite(ClientConnection *to, const QString &requestId, const QString &verb,
                                  const QString &doing)
{
    sendHistoryError(to, requestId, Protocol::ErrorHistoryForbidden,
                     m_config.historyRestore == ServerConfig::HistoryPermission::Host
                         ? QStringLiteral("only the session's owner may %1").arg(verb)
                         : QStringLiteral("%1 turned off on this server").arg(doing));
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
    QJsonObject e{{Protocol::FieldType, Protocol::TypeError},
                  {Protocol::FieldCode, code},
                  {Protocol::FieldMessage, message}};
    if (!requestId.isEmpty())
        e.insert(QLatin1String("request_id"), requestId);
    to->send(utf8Text(e));
}

void ServerSession::sendHistoryReply(ClientConnection *to, const HistoryRequest &request, QJsonObject reply)
{
    if (!request.requestId.isEmpty())
        reply.insert(QLatin1String("request_id"), request.requestId);
    to->send(utf8Text(reply));
}

QJsonArray ServerSession::versionsJson() const
{
    QJsonArray list;
    for (const OperationLog::Version &v : m_log.versions())
        list.append(QJsonObject{{QLatin1String("seq"), v.seq},
                                {QLatin1String("name"), v.name},
                                {QLatin1String("user_id"), v.userId},
                                {QLatin1String("time_ms"), v.timeMs}});
    return list;
}

int ServerSession::applyGroup(ClientConnection *by, const QList<Command> &commands, const QJsonObject &group)
{
    // A large group reaches members as one state: thousands of commands in
    // one pass would overrun every member's send buffer.
    const bool asState = commands.size() > m_config.groupAsStateCommands;
    int applied = 0;
    const auto apply = [&] {
        for (const Command &command : commands) {
            SessionModel::Change change;
            QString reason;
            if (!m_state.prepare(command, &change, &reason)) {
                qCDebug(lcServer).noquote() << "history: skipped" << Command::actionName(command.action)
                                            << command.itemId << ":" << reason;
                continue;
            }
            const qint64 next = m_seq + 1;
            // Sent as one state, the commands need no message of their own:
            // only the history's command, which only a store reads whole
            // (the log keeps the slim form, which the change can rebuild).
            QString text;
            QJsonObject relayedCommand;
            if (asState) {
                relayedCommand = m_store ? command.toJson() : HistoryOperation::slimCommand(command.action);
            } else {
                QJsonObject relayed = MessageFactory::command(by->userId(), command);
                relayed.insert(Protocol::FieldSeq, next);
                relayed.insert(Protocol::FieldHistoryGroup, group);
                text = utf8Text(relayed);
                relayedCommand = relayed.value(Protocol::FieldCommand).toObject();
            }
            HistoryOperation op = makeOperation(next, by->userId(), relayedCommand);
            op.group = group;
            if (!recordChange(change, std::move(op), text))
                return false; // what is applied stays a consistent prefix
            if (!asState)
                broadcast(text, nullptr);
            ++applied;
        }
        return true;
    };
    QString error;
    if (m_store && !m_store->batch(apply, &error)) {
        // The group's writes were rolled back while memory holds them:
        // everyone reconnects and gets what the store has.
        qCWarning(lcServer).noquote() << "Session" << m_id << ": a restore could not be stored:" << error;
        closeAll(QWebSocketProtocol::CloseCodeAbnormalDisconnection, QStringLiteral("the server could not store a restore"));
        return 0;
    }
    if (!m_store)
        apply();
    if (asState && applied > 0) {
        m_history.clear(); // resuming clients get the state, like everyone else
        m_resumeBytes = 0;
        reportHistoryBytes();
        const auto members = m_members;
        for (ClientConnection *c : members)
            sendState(c);
    }
    updateMessageLimits();
    return applied;
}

void ServerSession::handleHistory(ClientConnection *from, const HistoryRequest &request)
{
    if (!from->hasSeq()) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryUnsupported,
                         QStringLiteral("the session history needs a client declaring the \"seq\" capability"));
        return;
    }
    HistoryClient &client = m_historyClients[from];
    if (!client.cost)
        client.cost.emplace(m_config.historyCostMsPerSecond, m_config.historyCostBurstMs);
    if (client.busy || !client.queue.empty() || !client.cost->ready() || (m_serverCost && !m_serverCost->ready())) {
        if (client.queue.size() >= size_t(qMax(1, m_config.historyQueueLength))) {
            sendHistoryError(from, request.requestId, Protocol::ErrorHistoryBusy,
                             QStringLiteral("too many history requests at once: wait for the answers"));
            return;
        }
        client.queue.push_back(request);
        if (!m_historyQueueTimer.isActive())
            m_historyQueueTimer.start(qMax(client.cost->waitMs(), m_serverCost ? m_serverCost->waitMs() : 0));
        return;
    }
    QElapsedTimer took;
    took.start();
    serveHistory(from, request);
    const double ms = took.nsecsElapsed() / 1e6;
    if (const auto it = m_historyClients.find(from); it != m_historyClients.end())
        it->cost->charge(ms);
    if (m_serverCost)
        m_serverCost->charge(ms);
}

void ServerSession::runQueuedHistory()
{
    int wait = -1;
    const QList<ClientConnection *> clients = m_historyClients.keys();
    for (ClientConnection *c : clients) {
        auto it = m_historyClients.find(c);
        if (it == m_historyClients.end() || it->queue.empty() || it->busy)
            continue; // a busy one is run again when its scene is written
        const int mine = qMax(it->cost->waitMs(), m_serverCost ? m_serverCost->waitMs() : 0);
        if (mine > 0) {
            wait = wait < 0 ? mine : qMin(wait, mine);
            continue;
        }
        const HistoryRequest request = it->queue.front();
        it->queue.pop_front();
        QElapsedTimer took;
        took.start();
        serveHistory(c, request);
        const double ms = took.nsecsElapsed() / 1e6;
        it = m_historyClients.find(c); // serving may have changed the table (a send can disconnect)
        if (it != m_historyClients.end()) {
            it->cost->charge(ms);
            if (!it->queue.empty())
                wait = wait < 0 ? 1 : qMin(wait, 1);
        }
        if (m_serverCost)
            m_serverCost->charge(ms);
    }
    if (wait >= 0)
        m_historyQueueTimer.start(wait);
}

void ServerSession::serveHistory(ClientConnection *from, const HistoryRequest &request)
{
    switch (request.kind) {
    case HistoryRequest::Kind::Page: return serveHistoryPage(from, request);
    case HistoryRequest::Kind::SceneAt: return serveSceneAt(from, request);
    case HistoryRequest::Kind::Restore:
    case HistoryRequest::Kind::Revert: return serveRewrite(from, request);
    case HistoryRequest::Kind::Name: return serveName(from, request);
    case HistoryRequest::Kind::Value: return serveValue(from, request);
    }
}

qint64 ServerSession::historyStartSeq() const
{
    if (!m_store || m_log.baseSeq() <= m_diskFloorSeq)
        return m_log.baseSeq();
    // Older operations are on disk, down to where they were when the session
    // loaded (compacted by age, or a gap), within what one request may walk.
    return qMax(m_diskFloorSeq, m_log.baseSeq() - m_config.maxDiskWalk);
}

void ServerSession::serveHistoryPage(ClientConnection *from, const HistoryRequest &request)
{
    constexpr int MaxChangesPerEntry = 50; // a state push may touch thousands of items
    QJsonArray entries;
    qint64 bytes = 0;
    qint64 nextBefore = -1;
    qint64 lastTaken = -1;
    bool full = false;
    // Takes one more matching entry; false once the page is full (by count,
    // or by bytes), which one more matching entry proves there is a next page.
    // An entry is built shortened (long values, many items): a page of
    // huge values costs what the page holds, not what the values hold.
    const auto take = [&](const HistoryOperation &op, const QJsonObject &conflict = {}) {
        if (entries.size() >= request.limit) {
            full = true;
            nextBefore = lastTaken;
            return false;
        }
        bool shortened = false;
        QJsonObject entry = op.previewJson(Protocol::HistoryValuePreview, MaxChangesPerEntry, &shortened);
        if (!conflict.isEmpty())
            entry.insert(QLatin1String("conflict"), conflict);
        const qint64 seq = op.seq;
        const qint64 size = JsonStorage::footprint(entry);
        if (!entries.isEmpty() && bytes + size > m_config.maxHistoryPageBytes) {
            full = true;
            nextBefore = lastTaken;
            return false;
        }
        bytes += size;
        entries.append(entry);
        lastTaken = seq;
        return true;
    };
    OperationLog::PageQuery query;
    query.beforeSeq = request.beforeSeq;
    query.limit = request.limit + 1; // one more tells whether there is a next page
    query.userId = request.filterUser;
    query.itemId = request.filterItem;
    qint64 memoryNext = -1;
    const QList<const HistoryOperation *> page = m_log.page(query, &memoryNext);
    for (const HistoryOperation *op : page) {
        QJsonObject conflict;
        if (const OperationLog::Conflict c = m_log.conflictOf(op->seq); c.seq >= 0) {
            conflict = {{QLatin1String("seq"), c.seq},
                        {QLatin1String("user_id"), c.userId},
                        {QLatin1String("item_id"), c.itemId}};
            if (!c.keys.isEmpty())
                conflict.insert(QLatin1String("keys"), QJsonArray::fromStringList(c.keys));
        }
        if (!take(*op, conflict))
            break;
    }
    if (!full && memoryNext >= 0) { // more in memory than one page and its peek
        full = true;
        nextBefore = lastTaken;
    }
    if (!full && m_store && m_log.baseSeq() > m_diskFloorSeq) {
        // Older than memory: read from disk, newest first, a bounded number
        // of rows per request (a filter that matches little is continued by
        // the next request from where this one stopped).
        const qint64 before = request.beforeSeq < 0 || request.beforeSeq > m_log.baseSeq() ? m_log.baseSeq() + 1
                                                                                          : request.beforeSeq;
        constexpr int MaxRowsPerPage = 2000;
        qint64 lastRead = -1;
        int read = 0;
        QString error;
        m_store->forEachOperationBefore(m_id, before, MaxRowsPerPage, [&](qint64 seq, const QByteArray &json) {
            if (seq <= m_diskFloorSeq)
                return false;
            lastRead = seq;
            ++read;
            HistoryOperation op;
            QString why;
            if (!HistoryOperation::fromJson(QJsonDocument::fromJson(json).object(), &op, &why))
                return true; // a damaged row is said when the session loads; skipped here
            if ((!request.filterUser.isEmpty() && op.userId != request.filterUser)
                || (!request.filterItem.isEmpty()
                    && std::none_of(op.changes.cbegin(), op.changes.cend(),
                                    [&](const HistoryOperation::ItemChange &c) { return c.itemId == request.filterItem; })))
                return true;
            return take(op);
        }, &error);
        if (!full && read == MaxRowsPerPage && lastRead > 1)
            nextBefore = lastRead; // the filter matched little: the next request goes on from here
    }
    QJsonObject reply{{Protocol::FieldType, Protocol::TypeHistoryPage},
                      {QLatin1String("entries"), entries},
                      {QLatin1String("next_before_seq"), nextBefore},
                      {QLatin1String("base_seq"), historyStartSeq()},
                      {QLatin1String("head_seq"), m_log.headSeq()},
                      {QLatin1String("versions"), versionsJson()}};
    if (const qint64 lost = m_log.lostBeforeSeq(); lost >= 0) {
        reply.insert(QLatin1String("history_starts"),
                     QJsonObject{{QLatin1String("seq"), lost}, {QLatin1String("reason"), QLatin1String("damaged")}});
    } else if (m_forgottenThroughSeq > 0 && m_log.baseSeq() == m_forgottenThroughSeq) {
        // Without a store, what the memory budget trimmed is gone: the panel says so.
        reply.insert(QLatin1String("history_starts"),
                     QJsonObject{{QLatin1String("seq"), m_forgottenThroughSeq},
                                 {QLatin1String("time_ms"), m_forgottenBeforeMs},
                                 {QLatin1String("reason"), QLatin1String("memory_budget")}});
    } else if (m_config.historyMaxAgeDays > 0 && m_log.baseSeq() > 0 && !m_store) {
        reply.insert(QLatin1String("history_starts"),
                     QJsonObject{{QLatin1String("seq"), m_log.baseSeq()},
                                 {QLatin1String("time_ms"), m_log.baseTimeMs()},
                                 {QLatin1String("reason"), QLatin1String("max_age")}});
    }
    sendHistoryReply(from, request, reply);
}

bool ServerSession::sceneAt(qint64 seq, HistoryScene *out, QString *code, QString *error) const
{
    if (seq > m_log.headSeq() || seq < historyStartSeq()) {
        *code = Protocol::ErrorHistoryOutOfRange;
        *error = QStringLiteral("seq %1 is not in this session's history (%2 to %3)")
                     .arg(seq).arg(historyStartSeq()).arg(m_log.headSeq());
        return false;
    }
    if (seq >= m_log.baseSeq())
        return m_log.sceneAt(seq, out);
    // Older than memory: walk back from the oldest scene in memory through
    // the stored operations (each carries the values it replaced).
    *out = m_log.baseScene();
    qint64 expected = m_log.baseSeq();
    bool intact = true;
    QString why;
    const bool read = m_store->forEachOperationBefore(
        m_id, m_log.baseSeq() + 1, int(m_log.baseSeq() - seq), [&](qint64 at, const QByteArray &json) {
            HistoryOperation op;
            QString bad;
            if (at != expected || !HistoryOperation::fromJson(QJsonDocument::fromJson(json).object(), &op, &bad)) {
                intact = false;
                return false;
            }
            op.unapply(out);
            --expected;
            return true;
        }, &why);
    if (!read || !intact || expected != seq) {
        *code = Protocol::ErrorHistoryOutOfRange;
        *error = QStringLiteral("the stored history before seq %1 cannot be read").arg(expected + 1);
        return false;
    }
    return true;
}

namespace {
// The history:scene reply as UTF-8 without its closing brace, where each
// request's id goes (thread-safe: it only reads its own copy of the scene,
// whose items share their data read-only).
QByteArray sceneReplyBody(const HistoryScene &scene, qint64 seq)
{
    QJsonArray items;
    for (const StateItem &item : scene)
        items.append(item.toJson());
    QByteArray body = MessageFactory::toBytes(QJsonObject{{Protocol::FieldType, Protocol::TypeHistoryScene},
                                                          {QLatin1String("seq"), seq},
                                                          {QLatin1String("state"), QJsonObject{{QLatin1String("items"), items}}}});
    body.chop(1);
    return body;
}
} // namespace

void ServerSession::serveSceneAt(ClientConnection *from, const HistoryRequest &request)
{
    if (m_sceneReplySeq == request.seq && !m_sceneReplyCache.isEmpty())
        return sendSceneReply(from, request.requestId);
    // A scene in memory is rebuilt by the worker too: here only its recipe
    // is copied (shared data, microseconds).
    OperationLog::SceneRecipe recipe;
    const bool inMemory = m_log.sceneRecipe(request.seq, &recipe);
    if (!inMemory) {
        QString code;
        QString error;
        if (!sceneAt(request.seq, &recipe.start, &code, &error))
            return sendHistoryError(from, request.requestId, code, error);
    }
    if (!m_serializer) {
        HistoryScene scene;
        recipe.build(&scene);
        m_sceneReplyCache = sceneReplyBody(scene, request.seq);
        m_sceneReplySeq = request.seq;
        return sendSceneReply(from, request.requestId);
    }
    // Rebuilding and writing 10,000 items as JSON takes tens of milliseconds:
    // on the server's thread that would hold every session's relay. A worker
    // does it; the connection's further history requests wait meanwhile, and
    // the time it took is charged to it as if it had run here.
    m_historyClients[from].busy = true;
    const QPointer<ServerSession> session(this);
    const QPointer<ClientConnection> to(from);
    const qint64 seq = request.seq;
    const QString requestId = request.requestId;
    m_serializer->start([recipe = std::move(recipe), session, to, seq, requestId] {
        QElapsedTimer took;
        took.start();
        HistoryScene scene;
        recipe.build(&scene);
        const QByteArray body = sceneReplyBody(scene, seq);
        const double ms = took.nsecsElapsed() / 1e6;
        QMetaObject::invokeMethod(qApp, [session, to, seq, requestId, body, ms] {
            if (session)
                session->sceneWritten(to, seq, requestId, body, ms);
        }, Qt::QueuedConnection);
    });
}

void ServerSession::sceneWritten(ClientConnection *to, qint64 seq, const QString &requestId, const QByteArray &body,
                                 double ms)
{
    m_sceneReplyCache = body;
    m_sceneReplySeq = seq;
    if (m_serverCost)
        m_serverCost->charge(ms);
    const auto it = to ? m_historyClients.find(to) : m_historyClients.end();
    if (it == m_historyClients.end() || !m_members.contains(to))
        return; // it left meanwhile
    it->busy = false;
    QElapsedTimer sending; // queueing a large reply is work of this thread, charged too
    sending.start();
    sendSceneReply(to, requestId);
    const double sendMs = sending.nsecsElapsed() / 1e6;
    it->cost->charge(ms + sendMs);
    if (m_serverCost)
        m_serverCost->charge(sendMs);
    if (!it->queue.empty() && !m_historyQueueTimer.isActive())
        m_historyQueueTimer.start(0);
}

void ServerSession::sendSceneReply(ClientConnection *to, const QString &requestId)
{
    // The cached body stays shared; only the request id differs per reply.
    QByteArray tail = "}";
    if (!requestId.isEmpty()) {
        const QByteArray id = QJsonDocument(QJsonArray{requestId}).toJson(QJsonDocument::Compact);
        tail = ",\"request_id\":" + id.mid(1, id.size() - 2) + tail;
    }
    to->send(TextFrame({m_sceneReplyCache, tail}));
}

void ServerSession::serveRewrite(ClientConnection *from, const HistoryRequest &request)
{
    const bool restore = request.kind == HistoryRequest::Kind::Restore;
    if (!mayRewrite(from))
        return refuseRewrite(from, request.requestId, QStringLiteral("restore or revert"),
                             QStringLiteral("restoring and reverting are"));
    QList<Command> commands;
    QJsonArray skipped;
    qsizetype skippedTotal = 0;
    QString code;
    QString error;
    if (restore) {
        HistoryScene target;
        if (!sceneAt(request.seq, &target, &code, &error))
            return sendHistoryError(from, request.requestId, code, error);
        commands = OperationLog::diffCommands(m_log.head(), target);
    } else if (request.seq <= m_log.baseSeq() && m_store && request.seq > historyStartSeq()) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryOutOfRange,
                         QStringLiteral("change %1 is older than the last %2 changes the server keeps at hand: "
                                        "restore the version before it instead")
                             .arg(request.seq).arg(m_config.historyOpsInMemory));
        return;
    } else if (!m_log.revertCommands(request.seq, &commands, &skipped, &skippedTotal, &error)) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryOutOfRange, error);
        return;
    }
    if (commands.size() > m_config.maxRewriteCommands) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryTooCostly,
                         QStringLiteral("this would change %1 items; the server allows %2 in one step")
                             .arg(commands.size()).arg(m_config.maxRewriteCommands));
        return;
    }
    QJsonObject group{{QLatin1String("id"), QUuid::createUuid().toString(QUuid::WithoutBraces)},
                      {QLatin1String("kind"), restore ? QLatin1String("restore") : QLatin1String("revert")},
                      {QLatin1String("target_seq"), request.seq},
                      {QLatin1String("count"), commands.size()}};
    if (const HistoryOperation *target = m_log.find(request.seq))
        group.insert(QLatin1String("target_time_ms"), target->timeMs);
    // A named version is known by its name to those who read the history.
    for (const OperationLog::Version &v : m_log.versions())
        if (v.seq == request.seq)
            group.insert(QLatin1String("target_name"), v.name);
    const qint64 first = m_seq + 1;
    const int applied = commands.isEmpty() ? 0 : applyGroup(from, commands, group);
    qCInfo(lcServer).noquote() << "User" << from->userId() << (restore ? "restored session" : "reverted in session")
                               << m_id << "seq" << request.seq << "-" << applied << "command(s)";
    QJsonObject done{{Protocol::FieldType, Protocol::TypeHistoryDone},
                     {QLatin1String("action"), restore ? QLatin1String("restore") : QLatin1String("revert")},
                     {QLatin1String("target_seq"), request.seq},
                     {QLatin1String("group"), group},
                     {QLatin1String("applied"), applied},
                     {QLatin1String("first_seq"), applied > 0 ? first : -1},
                     {QLatin1String("last_seq"), applied > 0 ? m_seq : -1},
                     {QLatin1String("skipped"), skipped}};
    if (skippedTotal > skipped.size())
        done.insert(QLatin1String("skipped_total"), skippedTotal);
    if (applied < commands.size())
        done.insert(QLatin1String("incomplete"), true);
    if (m_members.contains(from))
        sendHistoryReply(from, request, done);
}

void ServerSession::serveName(ClientConnection *from, const HistoryRequest &request)
{
    // Naming changes what everyone's panel shows: the same policy as restoring.
    if (!mayRewrite(from))
        return refuseRewrite(from, request.requestId, QStringLiteral("name versions"), QStringLiteral("naming versions is"));
    if (request.seq < m_log.baseSeq() || request.seq > m_log.headSeq()) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryOutOfRange,
                         QStringLiteral("seq %1 is not in this session's history (%2 to %3)")
                             .arg(request.seq).arg(m_log.baseSeq()).arg(m_log.headSeq()));
        return;
    }
    const OperationLog::Version version{request.seq, request.name, from->userId(), QDateTime::currentMSecsSinceEpoch()};
    QList<OperationLog::Version> before = m_log.versions();
    if (!m_log.addVersion(version)) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryTooCostly,
                         QStringLiteral("this session has %1 named versions, the most it keeps").arg(OperationLog::MaxVersions));
        return;
    }
    QString error;
    if (m_store && !m_store->putVersion(m_id, version, &error)) {
        m_log.setVersions(before);
        sendHistoryError(from, request.requestId, Protocol::ErrorStorageFailed,
                         QStringLiteral("the server could not store the name"));
        return;
    }
    // Everyone is told of this one version; the whole list comes with pages.
    const QJsonObject named{{Protocol::FieldType, Protocol::TypeHistoryVersionNamed},
                            {QLatin1String("version"), QJsonObject{{QLatin1String("seq"), version.seq},
                                                                   {QLatin1String("name"), version.name},
                                                                   {QLatin1String("user_id"), version.userId},
                                                                   {QLatin1String("time_ms"), version.timeMs}}}};
    const QString text = utf8Text(named);
    const auto members = m_members;
    for (ClientConnection *c : members)
        if (c->hasSeq() && c != from)
            c->send(text);
    sendHistoryReply(from, request, named);
}

void ServerSession::serveValue(ClientConnection *from, const HistoryRequest &request)
{
    HistoryOperation stored;
    const HistoryOperation *op = m_log.find(request.seq);
    if (!op && m_store && request.seq <= m_log.baseSeq()) {
        QString error;
        m_store->forEachOperationBefore(m_id, request.seq + 1, 1, [&](qint64 seq, const QByteArray &json) {
            QString why;
            if (seq == request.seq && HistoryOperation::fromJson(QJsonDocument::fromJson(json).object(), &stored, &why))
                op = &stored;
            return false;
        }, &error);
    }
    QJsonValue value(QJsonValue::Undefined);
    if (op) {
        for (const HistoryOperation::ItemChange &c : op->changes) {
            if (c.itemId == request.itemId) {
                value = (request.after ? c.afterObject() : c.beforeObject()).value(request.key);
                break;
            }
        }
    }
    if (value.isUndefined()) {
        sendHistoryError(from, request.requestId, Protocol::ErrorHistoryOutOfRange,
                         QStringLiteral("no such value in change %1").arg(request.seq));
        return;
    }
    sendHistoryReply(from, request,
                     QJsonObject{{Protocol::FieldType, Protocol::TypeHistoryValue},
                                 {QLatin1String("seq"), request.seq},
                                 {QLatin1String("item_id"), request.itemId},
                                 {QLatin1String("key"), request.key},
                                 {QLatin1String("side"), request.after ? QLatin1String("after") : QLatin1String("before")},
                                 {QLatin1String("value"), value}});
}

} // namespace Optiverse::Collab
