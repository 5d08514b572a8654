// SPDX-License-Identifier: MIT
// libFuzzer target: Message::parse, the gate every inbound frame passes, on
// arbitrary bytes. Beyond "no crash, no UB": whatever parse accepts must
// re-serialise and re-parse to the same message, the server's relayed form of
// it must still parse, and Command / StateItem must survive their own
// toJson() → fromJson() round trips; history requests must survive theirs.
#include "Command.h"
#include "FuzzCheck.h"
#include "Message.h"
#include "MessageFactory.h"
#include "Protocol.h"

#include <QJsonDocument>

#include <cstddef>
#include <cstdint>

using namespace Optiverse::Collab;

namespace {

bool sameCommand(const Command &a, const Command &b)
{
    return a.action == b.action && a.itemType == b.itemType && a.itemId == b.itemId && a.data == b.data
        && a.changedKeys == b.changedKeys;
}

Message reparse(const QByteArray &bytes)
{
    Message m;
    QString error;
    if (!Message::parse(bytes, &m, &error)) {
        std::fprintf(stderr, "re-parse of %s failed: %s\n", bytes.left(2000).constData(), qPrintable(error));
        std::abort();
    }
    return m;
}

void checkCommand(const Message &m)
{
    const Command &command = m.command();
    FUZZ_CHECK(!command.itemId.isEmpty() && command.itemId.size() <= Protocol::MaxIdLength);
    FUZZ_CHECK(command.action != Command::Action::Add || !command.itemType.isEmpty());
    for (const QString &key : command.changedKeys)
        FUZZ_CHECK(command.data.contains(key));

    Command again;
    QString error;
    FUZZ_CHECK(Command::fromJson(command.toJson(), &again, &error));
    FUZZ_CHECK(sameCommand(command, again));

    // As our client builds it, and as the server relays it (seq and sender stamped).
    const Message built = reparse(MessageFactory::toBytes(MessageFactory::command(QStringLiteral("fuzz"), command, 7)));
    FUZZ_CHECK(built.type() == Message::Type::Command && sameCommand(built.command(), command));
    FUZZ_CHECK(built.clientSeq() == 7);
    QJsonObject relayed = m.json();
    relayed.insert(QLatin1String("seq"), 42);
    relayed.insert(QLatin1String("user_id"), QStringLiteral("relay"));
    const Message received = reparse(MessageFactory::toBytes(relayed));
    FUZZ_CHECK(received.seq() == 42 && received.clientSeq() == m.clientSeq());
    FUZZ_CHECK(sameCommand(received.command(), command));
}

// A history request the gate accepted is valid, and survives its own
// toJson() -> parse round trip as the same request.
void checkHistory(const Message &m)
{
    if (!m.isHistoryRequest())
        return;
    const HistoryRequest &r = m.historyRequest();
    FUZZ_CHECK(r.requestId.size() <= 64);
    FUZZ_CHECK(r.limit >= 1 && r.limit <= HistoryRequest::MaxLimit);
    if (r.kind == HistoryRequest::Kind::Name) {
        FUZZ_CHECK(!r.name.isEmpty() && r.name.size() <= HistoryRequest::MaxNameLength);
        for (const QChar c : r.name)
            FUZZ_CHECK(c.category() != QChar::Other_Control);
    }
    const Message again = reparse(MessageFactory::toBytes(r.toJson()));
    FUZZ_CHECK(again.type() == Message::Type::History && again.isHistoryRequest());
    const HistoryRequest &b = again.historyRequest();
    FUZZ_CHECK(b.kind == r.kind && b.seq == r.seq && b.requestId == r.requestId && b.name == r.name);
    FUZZ_CHECK(b.itemId == r.itemId && b.key == r.key && b.after == r.after);
    if (r.kind == HistoryRequest::Kind::Page)
        FUZZ_CHECK(b.beforeSeq == r.beforeSeq && b.limit == r.limit && b.filterUser == r.filterUser
                   && b.filterItem == r.filterItem);
}

void checkFullState(const Message &m)
{
    for (const StateItem &item : m.items())
        FUZZ_CHECK(!item.id.isEmpty() && item.id.size() <= Protocol::MaxIdLength);
    const Message again = reparse(MessageFactory::fullState(m.items(), m.version()));
    FUZZ_CHECK(again.items() == m.items());
    FUZZ_CHECK(again.version() == m.version());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // The server refuses larger messages before parsing (1009).
    if (size > size_t(Protocol::DefaultMaxMessageBytes))
        return 0;
    Message m;
    QString error;
    if (!Message::parse(QByteArrayView(reinterpret_cast<const char *>(data), qsizetype(size)), &m, &error)) {
        FUZZ_CHECK(!error.isEmpty());
        FUZZ_CHECK(error.size() < 4096); // never echoes large input
        return 0;
    }

    const Message again = reparse(MessageFactory::toBytes(m.json()));
    FUZZ_CHECK(again.type() == m.type());
    FUZZ_CHECK(again.json() == m.json());
    FUZZ_CHECK(again.seq() == m.seq() && again.clientSeq() == m.clientSeq() && again.since() == m.since());
    FUZZ_CHECK(again.version() == m.version() && again.items() == m.items());
    FUZZ_CHECK(again.userId() == m.userId());

    switch (m.type()) {
    case Message::Type::Command:
        FUZZ_CHECK(sameCommand(again.command(), m.command()));
        checkCommand(m);
        break;
    case Message::Type::SyncFullState:
        checkFullState(m);
        break;
    case Message::Type::History:
        FUZZ_CHECK(again.isHistoryRequest() == m.isHistoryRequest());
        checkHistory(m);
        break;
    default:
        break;
    }
    return 0;
}
