# User-facing parts (session controller, dialog, status widget, presence) as a
# static library, so tests can drive them directly.
add_library(optiverse_ui STATIC
    CollaborationSession.h CollaborationSession.cpp
    EditAwareness.h EditAwareness.cpp
    EditingPresence.h EditingPresence.cpp
    FollowController.h FollowController.cpp
    OwnerTokens.h OwnerTokens.cpp
    PluginOptions.h PluginOptions.cpp
    PresenceManager.h PresenceManager.cpp
    history/HistoryPlayback.h history/HistoryPlayback.cpp
    history/ItemNamer.h history/ItemNamer.cpp
    history/RecordingPlayer.h history/RecordingPlayer.cpp
    history/SceneDifference.h history/SceneDifference.cpp
    ui/CollaborationDialog.h ui/CollaborationDialog.cpp
    ui/EnglishPlurals.h ui/EnglishPlurals.cpp
    ui/HistoryPanel.h ui/HistoryPanel.cpp
    ui/NetworkSessionList.h ui/NetworkSessionList.cpp
    ui/NoticeWidget.h ui/NoticeWidget.cpp
    ui/StatusWidget.h ui/StatusWidget.cpp
    ui/UserColor.h ui/UserColor.cpp)
target_include_directories(optiverse_ui PUBLIC ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/ui ${CMAKE_CURRENT_SOURCE_DIR}/history)
target_link_libraries(optiverse_ui PUBLIC optiverse_sync optiverse_undo optiverse_server optiverse_discovery Qt6::Widgets)
optiverse_strict(optiverse_ui)

# The Collaboration plugin module, loaded by hosts with QPluginLoader.
qt_add_plugin(optiverse_collaboration SHARED CLASS_NAME CollaborationPlugin)
target_sources(optiverse_collaboration PRIVATE CollaborationPlugin.h CollaborationPlugin.cpp)
target_link_libraries(optiverse_collaboration PRIVATE optiverse_ui)
set_target_properties(optiverse_collaboration PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${OPTIVERSE_PLUGIN_OUTPUT_DIR})
# Q_PLUGIN_METADATA embeds the top-level metadata.json: rebuild when it changes.
set_property(TARGET optiverse_collaboration APPEND PROPERTY AUTOGEN_TARGET_DEPENDS ${PROJECT_SOURCE_DIR}/metadata.json)
optiverse_strict(optiverse_collaboration)
include(GNUInstallDirs)
install(TARGETS optiverse_collaboration LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}/optiverse/plugins)
