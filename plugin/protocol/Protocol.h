// SPDX-License-Identifier: MIT
#pragma once

#include <QLatin1String>

// Wire-level names of the Optiverse collaboration protocol. Everything the
// original Optiverse peers understand is listed first; our extensions are
// marked and are either extra fields or message types that old peers ignore.
namespace Optiverse::Collab::Protocol {

inline constexpr quint16 DefaultPort = 8765;
inline constexpr QLatin1String DefaultListenAddress("0.0.0.0");
inline constexpr QLatin1String DefaultSession("default");

// Message types (original protocol).
inline constexpr QLatin1String TypeCommand("command");
inline constexpr QLatin1String TypePing("ping");
inline constexpr QLatin1String TypePong("pong");
inline constexpr QLatin1String TypeConnectionAck("connection:ack");
inline constexpr QLatin1String TypeUserJoined("user:joined");
inline constexpr QLatin1String TypeUserLeft("user:left");
inline constexpr QLatin1String TypeSyncRequest("sync:request");
inline constexpr QLatin1String TypeSyncFullState("sync:full_state");

// Extensions (ignored by original peers).
inline constexpr QLatin1String TypeError("error");
inline constexpr QLatin1String TypeCommandRejected("command:rejected");
inline constexpr QLatin1String TypeSyncCaughtUp("sync:caught_up");
inline constexpr QLatin1String TypePresence("presence");
inline constexpr QLatin1String TypeHostChanged("host:changed");

// Actions of a command.
inline constexpr QLatin1String ActionAdd("add_item");
inline constexpr QLatin1String ActionMove("move_item");
inline constexpr QLatin1String ActionRemove("remove_item");
inline constexpr QLatin1String ActionUpdate("update_item");

// Identity keys of an item. The original Optiverse carries an item's
// identity inside its data: a flat state item is the item's properties plus
// "uuid" and "item_type"; an add_item takes the new item's id from
// data.uuid or data.item_uuid only. We accept every spelling, store the
// identity apart from the properties (data never holds these keys), and write
// "uuid" + "item_type" into flat state items and "item_uuid" into the data of
// add_item and update_item.
inline constexpr QLatin1String FieldItemId("item_id");
inline constexpr QLatin1String FieldItemType("item_type");
inline constexpr QLatin1String FieldUuid("uuid");
inline constexpr QLatin1String FieldItemUuid("item_uuid");
// Stacking order (the original's key; larger draws on top). An ordinary property.
inline constexpr QLatin1String FieldZValue("z_value");
// The pose: what move_item carries and writes (numbers; see Command::fromJson).
inline constexpr QLatin1String FieldXmm("x_mm");
inline constexpr QLatin1String FieldYmm("y_mm");
inline constexpr QLatin1String FieldAngleDeg("angle_deg");

// Fields of messages (original protocol unless marked).
inline constexpr QLatin1String FieldType("type");
inline constexpr QLatin1String FieldUserId("user_id");
inline constexpr QLatin1String FieldDisplayName("display_name");
inline constexpr QLatin1String FieldIsHost("is_host");
inline constexpr QLatin1String FieldSessionId("session_id");
inline constexpr QLatin1String FieldUsers("users");
inline constexpr QLatin1String FieldTimestamp("timestamp");
inline constexpr QLatin1String FieldCommand("command");
inline constexpr QLatin1String FieldState("state");
inline constexpr QLatin1String FieldItems("items");
inline constexpr QLatin1String FieldVersion("version");
inline constexpr QLatin1String FieldTargetUser("target_user");
inline constexpr QLatin1String FieldCode("code");          // error
inline constexpr QLatin1String FieldMessage("message");    // error
inline constexpr QLatin1String FieldSeq("seq");            // extension: server order
inline constexpr QLatin1String FieldClientSeq("client_seq"); // extension: sender's own order
inline constexpr QLatin1String FieldSince("since");        // extension: sync:request resume point
inline constexpr QLatin1String FieldReason("reason");      // extension: command:rejected
inline constexpr QLatin1String FieldCapabilities("capabilities"); // extension: connection:ack
inline constexpr QLatin1String FieldFromServer("from_server"); // extension: a full state the server built
inline constexpr QLatin1String FieldPointer("pointer");    // extension: presence
inline constexpr QLatin1String FieldSelection("selection"); // extension: presence
inline constexpr QLatin1String FieldEditing("editing");    // extension: presence (awareness)
inline constexpr QLatin1String FieldView("view");          // extension: presence (follow)
inline constexpr QLatin1String FieldWmm("w_mm");           // ...its width and height
inline constexpr QLatin1String FieldHmm("h_mm");
inline constexpr QLatin1String FieldFollowing("following"); // extension: presence (follow)

// Fields of a command.
inline constexpr QLatin1String FieldAction("action");
inline constexpr QLatin1String FieldData("data");
inline constexpr QLatin1String FieldChangedKeys("changed_keys"); // extension: the keys an update writes
inline constexpr QLatin1String FieldRemovedKeys("removed_keys"); // extension: the keys an update deletes

// Client capabilities, declared in the WebSocket handshake with this header.
// A client that sends no header is an original client and gets the original
// behaviour exactly.
inline constexpr char CapabilitiesHeader[] = "X-Optiverse-Capabilities";
inline constexpr QLatin1String CapSeq("seq");           // own commands echoed with "seq", resume
inline constexpr QLatin1String CapPresence("presence"); // presence messages relayed
inline constexpr QLatin1String CapResume("resume");     // advertised by our server: sync:request {since}

// Session password (extension): sent by the client in the WebSocket handshake,
// percent-encoded UTF-8, never in the URL. Servers without a password ignore it.
inline constexpr char PasswordHeader[] = "X-Optiverse-Password";
// Refusals of a password-protected server: an "error" message with this code
// first (readable by every client), then the close frame.
inline constexpr QLatin1String ErrorAuthFailed("auth_failed");
inline constexpr int ClosePasswordRequired = 4001; // reason "password required"
inline constexpr int CloseWrongPassword = 4003;    // reason "wrong password"

// The server's limits, advertised in connection:ack (extension) as
// "limits": {max_rate, burst, max_message_bytes, max_state_bytes}, so clients
// can stay below them. A message above the rate is dropped; the first drop of
// a run is answered with an "error" of code ErrorRateLimited.
inline constexpr QLatin1String AckLimits("limits");
inline constexpr QLatin1String LimitMaxRate("max_rate");                  // messages per second per connection
inline constexpr QLatin1String LimitBurst("burst");                       // token bucket size
inline constexpr QLatin1String LimitMaxMessageBytes("max_message_bytes");
inline constexpr QLatin1String LimitMaxStateBytes("max_state_bytes");
inline constexpr QLatin1String ErrorRateLimited("rate_limited");

// Codes of "error" messages (extension; original clients ignore them).
inline constexpr QLatin1String ErrorSessionFull("session_full");       // then close
// Before the join: the address has too many connections; then close 1013
// (try again later).
inline constexpr QLatin1String ErrorTooManyConnections("too_many_connections");
inline constexpr QLatin1String ErrorInvalidMessage("invalid_message");
inline constexpr QLatin1String ErrorCommandRejected("command_rejected"); // to original clients
inline constexpr QLatin1String ErrorStorageFailed("storage_failed");
inline constexpr QLatin1String ErrorMessageTooLarge("message_too_large");
inline constexpr QLatin1String ErrorBinaryNotSupported("binary_not_supported");

// Why a command was refused (command:rejected "reason", SessionModel::prepare).
inline constexpr QLatin1String RejectItemExists("item_exists");
inline constexpr QLatin1String RejectItemRemoved("item_removed");
inline constexpr QLatin1String RejectItemNotFound("item_not_found");

// Extension field of connection:ack (its users) and user:joined: the user's
// colour slot, the smallest free in the session, so everyone in it sees
// distinct colours, the same for each user everywhere.
inline constexpr QLatin1String FieldColorIndex("color_index");

// Session ownership (extension). The owner is the member who created the
// session; it stays the owner across reconnects (and, with --data-dir, server
// restarts) by presenting a secret token, unlike the host (longest connected),
// which original clients rely on and which changes with connection order.
// The server gives the token to a capable client (one declaring CapOwner) only:
// in its connection:ack (FieldOwnerToken) when it creates the session, or in
// TypeOwner when ownership is handed to it. The client keeps it and sends it
// in the handshake header OwnerTokenHeader, never in the URL, never logged.
// The server keeps only its SHA-256.
inline constexpr QLatin1String CapOwner("owner");
inline constexpr char OwnerTokenHeader[] = "X-Optiverse-Owner-Token";
inline constexpr QLatin1String FieldOwnerToken("owner_token"); // connection:ack, session:owner
inline constexpr QLatin1String FieldIsOwner("is_owner");       // connection:ack users, user:joined
// {user_id}: the owner hands ownership to another capable member.
inline constexpr QLatin1String TypeTransferOwner("session:transfer_owner");
// {owner_token}: to the new owner only.
inline constexpr QLatin1String TypeOwner("session:owner");
// {user_id}: to everyone, after a transfer (the previous token is void).
inline constexpr QLatin1String TypeOwnerChanged("session:owner_changed");
// A transfer refused: not the owner, or the user cannot take it.
inline constexpr QLatin1String ErrorOwnerForbidden("owner_forbidden");
inline constexpr int MaxOwnerTokenLength = 128;

// Extension field of connection:ack, only when the joined session has no
// other member: the server's sessions that do, most members first, as
// [{session_id, users}], at most MaxOtherSessions of them. Someone alone in a
// new session may have mistyped its name; this tells them where the others are.
inline constexpr QLatin1String FieldOtherSessions("other_sessions");
inline constexpr int MaxOtherSessions = 5;

// Limits shared by both ends (a server may be configured lower).
inline constexpr qint64 DefaultMaxMessageBytes = 1024 * 1024;
// A sync:full_state push is the one message that grows with the table
// (10,000 items ≈ 1.7 MB); the server accepts it up to this size, and only
// from a member allowed to push one.
inline constexpr qint64 DefaultMaxStateBytes = 16 * 1024 * 1024;
inline constexpr int MaxIdLength = 128;
inline constexpr int MaxNameLength = 64;
inline constexpr int MaxTypeLength = 64;
inline constexpr int MaxSelection = 1000;

} // namespace Optiverse::Collab::Protocol
